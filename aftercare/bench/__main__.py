"""`python -m aftercare.bench [run|load|build]`: see docs/PERFORMANCE.md.

run    prepare the dataset (cached), measure every operation, print the
       table, write var/bench/latest.json (and latest-<scale>-<vendor>.json)
load   the load test: waitress on 127.0.0.1 serving a working copy of the
       store-scale data, N advisors for S seconds
build  (internal) migrate and generate a dataset into the configured database
markdown FILE   print a run's JSON as the table docs/PERFORMANCE.md shows
orders (internal) add today's orders in a state to the configured database (the load test's ready orders)
"""

import argparse
import json
import os
import random
import sys
import time

from .datasets import BENCH_DIR, DEFAULT_SEED, SCALES, prepare, scale_named


def _django(environ: dict[str, str]) -> None:
    os.environ.update(environ)
    os.environ["DJANGO_SETTINGS_MODULE"] = "aftercare.settings"
    os.environ["DEBUG"] = "0"  # never collect queries in memory while measuring
    import django

    django.setup()


def build(args) -> None:
    _django({})
    from django.core.management import call_command
    from django.db import connection

    from aftercare.core.maintenance import database_analyze
    from aftercare.demo.builder import DemoOptions, build_demo

    from .history import History, build_history
    from .parts_data import build_parts, parts_size

    scale = scale_named(args.scale, stores=args.stores)
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    result = build_demo(
        DemoOptions(
            seed=args.seed, stores=scale.stores, customers=scale.customers, vehicles=scale.vehicles, activity=False
        )
    )
    generated = time.perf_counter()
    made = History()
    rng = random.Random(args.seed)
    for store in result.stores:
        one = build_history(store, orders=scale.repair_orders, rng=rng)
        for name in ("orders", "lines", "status_changes", "appointments", "open_orders", "jobs"):
            setattr(made, name, getattr(made, name) + getattr(one, name))
    history = time.perf_counter()
    parts_per_store, months = parts_size(scale.name)
    movements = sum(
        build_parts(store, parts=parts_per_store, months=months, rng=random.Random(13)) for store in result.stores
    )
    parts_built = time.perf_counter()
    # As the app does after migrate, seed_demo, imports and nightly (core.maintenance).
    database_analyze()
    print(
        f"  {len(result.stores)} stores, {result.customers} customers, {result.vehicles} vehicles, "
        f"{made.orders} repair orders ({made.lines} lines, {made.status_changes} status changes, "
        f"{made.appointments} appointments; {made.open_orders} open today, {made.jobs} jobs): "
        f"migrate {migrated - started:.0f} s, customers {generated - migrated:.0f} s, "
        f"history {history - generated:.0f} s, {parts_per_store} parts per store ({movements} movements) "
        f"{parts_built - history:.0f} s, analyze {time.perf_counter() - parts_built:.0f} s, "
        f"total {time.perf_counter() - started:.0f} s ({connection.vendor})",
        flush=True,
    )


def run(args) -> None:
    scale = scale_named(args.scale, stores=args.stores)
    # BENCH_COPY names the working copy, so that two runs at once (two engineers'
    # shells, or `run` beside `load`) never measure or overwrite each other's.
    target = prepare(scale, args.seed, os.environ.get("DATABASE_URL", ""), purpose=os.environ.get("BENCH_COPY", "run"))
    _django(target.environ())
    from django.core.management import call_command

    from .harness import as_json, run_bench

    # Pages need the hashed static manifest (DEBUG=0, as in production).
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.analyze:
        # What-if: the planner statistics the app never gathers today (see docs/PERFORMANCE.md).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"AfterCare benchmark: scale {scale.name}, {target.vendor}, dataset {target.cached}"
        + (", ANALYZEd" if args.analyze else ""),
        flush=True,
    )
    results = run_bench(scale=scale.name, repeats=args.repeats, warmup=args.warmup, only=args.only or None)
    report = as_json(
        results,
        scale=scale.name,
        extra={
            "seed": args.seed,
            "analyzed": args.analyze,
            "data": {
                "stores": scale.stores,
                "customers": scale.total_customers,
                "vehicles": scale.total_vehicles,
                "dataset": target.cached,
                "built_seconds": target.built_seconds,
            },
        },
    )
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    text = json.dumps(report, ensure_ascii=False, indent=2, default=str)
    (BENCH_DIR / "latest.json").write_text(text)
    if not args.only:  # the per-scale file is the whole table (docs/PERFORMANCE.md), never a part of it
        suffix = "-analyzed" if args.analyze else ""
        (BENCH_DIR / f"latest-{scale.name}-{target.vendor}{suffix}.json").write_text(text)
    missed = [r.name for r in results if not r.meets_goal]
    print(f"\n{len(results) - len(missed)}/{len(results)} operations meet their goal; JSON in var/bench/latest.json")


def load(args) -> None:
    from .load import run_load_test

    scale = scale_named(args.scale, stores=args.stores)
    target = prepare(scale, args.seed, os.environ.get("DATABASE_URL", ""), purpose="load")
    report = run_load_test(target, users=args.users, seconds=args.seconds, port=args.port)
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    (BENCH_DIR / f"load-{scale.name}-{target.vendor}.json").write_text(json.dumps(report, indent=2))


def orders(args) -> None:
    _django({})
    from aftercare.accounts.models import User
    from aftercare.core.models import Store
    from aftercare.core.permissions import Perm

    from .history import make_orders

    store = Store.objects.get(pk=User.objects.get(username="cashier").store_ids(Perm.PAYMENT_POST)[0])
    print(f"  {len(make_orders(store, status=args.status, count=args.count))} {args.status} orders in {store}")


def markdown(args) -> None:
    from .harness import as_markdown

    print(as_markdown(json.loads(open(args.file, encoding="utf-8").read())))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m aftercare.bench")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("markdown").add_argument("file")
    made = sub.add_parser("orders")
    made.add_argument("--status", required=True)
    made.add_argument("--count", type=int, required=True)
    for name in ("run", "load", "build"):
        p = sub.add_parser(name)
        p.add_argument("--scale", default="store", choices=sorted(SCALES))
        p.add_argument("--stores", type=int, default=None, help="Run a fraction of the scale: this many stores.")
        p.add_argument("--seed", type=int, default=DEFAULT_SEED)
        if name == "run":
            p.add_argument("--repeats", type=int, default=15)
            p.add_argument("--warmup", type=int, default=3)
            p.add_argument("--only", action="append", help="Only operations whose name starts with this.")
            p.add_argument(
                "--analyze",
                action="store_true",
                help="ANALYZE the working copy again (datasets are analysed at build, as the app does).",
            )
        if name == "load":
            p.add_argument("--users", type=int, default=8)
            p.add_argument("--seconds", type=int, default=60)
            p.add_argument("--port", type=int, default=0, help="0: a free port.")
    args = parser.parse_args(argv)
    {"run": run, "load": load, "build": build, "markdown": markdown, "orders": orders}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
