"""Timing every operation against its floor, in the same process and run.

An operation is registered with `@operation(name, goal=...)` on a function
that takes the `Context` and returns a `Case`: the thunk to time and the
floor's parts (thunks whose medians add up to the floor). The harness warms
both up, then times them interleaved (op, floor parts, op, ...) so that drift
of the machine hits both alike, and reports medians. Queries are counted in
one extra, untimed run (counting forces Django's debug cursor, which costs time).

Later issues add their operations in a module of aftercare/bench/ops/ and name
it in OPERATION_MODULES; nothing else changes.
"""

import gc
import importlib
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

OPERATION_MODULES = [
    "aftercare.bench.ops.customers",
    "aftercare.bench.ops.service",
    "aftercare.bench.ops.exports",
    "aftercare.bench.ops.followups",
    "aftercare.bench.ops.reports",
    "aftercare.bench.ops.parts",
    "aftercare.bench.ops.loyalty",
    "aftercare.bench.ops.healthrecords",
    "aftercare.bench.ops.warranty",
    "aftercare.bench.ops.messaging",
    "aftercare.bench.ops.privacy",
    "aftercare.bench.ops.portal",
    "aftercare.bench.ops.crm_report",
    "aftercare.bench.ops.crm",
    "aftercare.bench.ops.desk",
    "aftercare.bench.ops.ev",
]

# Operations issue 6 asks for that the app does not have yet. Each is listed
# under the table and in the JSON as "not measured"; when the feature lands,
# register it with @operation in its ops module and delete its line here.
NOT_MEASURED: dict[str, str] = {}

# Goals, as a ratio to the floor, at the level a user feels: reported, never asserted.
PAGE = 2.0  # every page and API call
SEARCH = 1.5  # the search as typed: the selector, the htmx partial and the API
WRITE = 3.0
NIGHTLY = 2.0  # nightly jobs and KPIs
EXPORT_CSV = 2.0
EXPORT_XLSX = 5.0
FLAT_MEMORY = 1.5  # peak memory at 4N rows / at N rows


@dataclass
class Case:
    """What one operation times: `run`, and `floor` parts whose medians add up to the floor."""

    run: Callable[[], Any]
    floor: list[Callable[[], Any]]
    # For bulk jobs: a callable taking a row count and returning a thunk that
    # exports that many rows; its peak memory is measured at N and 4N rows.
    memory: Callable[[int], Callable[[], Any]] | None = None
    memory_rows: int = 0
    # A check, run once before timing, that run and floor give the same answer.
    same_answer: Callable[[], bool] | None = None
    repeats: int | None = None


@dataclass
class Operation:
    name: str
    goal: float
    kind: str  # lookup, page, api, write, export
    build: Callable[["Context"], Case]


REGISTRY: dict[str, Operation] = {}


def operation(name: str, *, goal: float, kind: str):
    def register(build):
        REGISTRY[name] = Operation(name=name, goal=goal, kind=kind, build=build)
        return build

    return register


def load_operations() -> dict[str, Operation]:
    for module in OPERATION_MODULES:
        importlib.import_module(module)
    return REGISTRY


@dataclass
class Context:
    """What operations need: users, sample inputs taken from the data, clients, raw SQL."""

    scale: str
    repeats: int
    warmup: int
    users: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)


@dataclass
class Result:
    name: str
    ms: float
    floor_ms: float
    ratio: float | None
    goal_ratio: float
    queries: int
    kind: str
    same_answer: bool | None = None
    memory: dict | None = None
    error: str | None = None

    @property
    def meets_goal(self) -> bool:
        if self.error or self.ratio is None:
            return False
        ok = self.ratio <= self.goal_ratio
        if self.memory:
            ok = ok and self.memory["growth"] <= FLAT_MEMORY
        return ok and self.same_answer is not False and not self.error


def _time_ms(thunk) -> float:
    started = time.perf_counter_ns()
    thunk()
    return (time.perf_counter_ns() - started) / 1e6


def measure(case: Case, *, repeats: int, warmup: int) -> tuple[float, float]:
    """(median ms of the operation, sum of the medians of the floor parts)."""
    for _ in range(warmup):
        case.run()
        for part in case.floor:
            part()
    op_times: list[float] = []
    floor_times: list[list[float]] = [[] for _ in case.floor]
    for _ in range(case.repeats or repeats):
        op_times.append(_time_ms(case.run))
        for index, part in enumerate(case.floor):
            floor_times[index].append(_time_ms(part))
    return statistics.median(op_times), sum(statistics.median(times) for times in floor_times)


def count_queries(thunk) -> int:
    with CaptureQueriesContext(connection) as captured:
        thunk()
    return len(captured.captured_queries)


def peak_memory_kib(thunk) -> float:
    """Peak of Python allocations while the thunk runs (tracemalloc), in KiB."""
    gc.collect()
    tracemalloc.start()
    try:
        thunk()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return round(peak / 1024, 1)


def run_operations(ctx: Context, *, only: list[str] | None = None, log=print) -> list[Result]:
    results = []
    for name, op in load_operations().items():
        if only and not any(name.startswith(prefix) for prefix in only):
            continue
        try:
            case = op.build(ctx)
            same = case.same_answer() if case.same_answer else None
            ms, floor_ms = measure(case, repeats=ctx.repeats, warmup=ctx.warmup)
            queries = count_queries(case.run)
            memory = None
            if case.memory and case.memory_rows:
                n = case.memory_rows
                small, large = peak_memory_kib(case.memory(n)), peak_memory_kib(case.memory(4 * n))
                memory = {"rows": n, "peak_kib_n": small, "peak_kib_4n": large, "growth": round(large / small, 2)}
            result = Result(
                name=name, ms=round(ms, 3), floor_ms=round(floor_ms, 3), ratio=round(ms / floor_ms, 2),
                goal_ratio=op.goal, queries=queries, kind=op.kind, same_answer=same, memory=memory,
            )  # fmt: skip
        except Exception as error:  # one broken operation must not hide the others
            result = Result(name, 0.0, 0.0, None, op.goal, 0, op.kind, error=f"{type(error).__name__}: {error}")
        log(format_row(result))
        results.append(result)
    return results


def machine() -> dict:
    import os

    info = {
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
        with open("/proc/meminfo") as meminfo:
            kib = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
            info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    return info


def database() -> dict:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT sqlite_version()")
        else:
            cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return {"vendor": connection.vendor, "version": version}


HEADER = f"{'operation':<34} {'median ms':>10} {'floor ms':>9} {'ratio':>6} {'goal':>5} {'queries':>7}  note"


def format_row(r: Result) -> str:
    if r.error:
        return f"{r.name:<34} {'':>10} {'':>9} {'':>6} {r.goal_ratio:>5} {'':>7}  ERROR {r.error}"
    notes = []
    if r.memory:
        notes.append(f"peak {r.memory['peak_kib_n']:.0f}→{r.memory['peak_kib_4n']:.0f} KiB for N→4N rows")
    if r.same_answer is False:
        notes.append("FLOOR GAVE ANOTHER ANSWER")
    notes.append("ok" if r.meets_goal else "MISSED")
    return (
        f"{r.name:<34} {r.ms:>10.2f} {r.floor_ms:>9.2f} {r.ratio:>6.2f} {r.goal_ratio:>5} {r.queries:>7}  "
        + "; ".join(notes)
    )


def as_markdown(report: dict) -> str:
    """A JSON report (as_json) as the table docs/PERFORMANCE.md shows."""
    lines = ["| operation | median ms | floor ms | ratio | goal | queries |", "|---|---|---|---|---|---|"]
    for r in report["results"]:
        name = f"`{r['name']}`"
        if r.get("error"):
            lines.append(f"| {name} | error: {r['error']} | | | {r['goal_ratio']} | |")
            continue
        if r.get("memory"):
            m = r["memory"]
            name += f" (peak {m['peak_kib_n']:,.0f} → {m['peak_kib_4n']:,.0f} KiB, N → 4N rows)"
        ratio = f"{r['ratio']:.2f}" if r["meets_goal"] else f"**{r['ratio']:.2f}**"
        lines.append(
            f"| {name} | {r['ms']:,.2f} | {r['floor_ms']:,.2f} | {ratio} | {r['goal_ratio']} | {r['queries']} |"
        )
    met = sum(1 for r in report["results"] if r.get("meets_goal"))
    lines.append("")
    lines.append(f"{met} of {len(report['results'])} operations meet their goal (missed ratios in bold).")
    return "\n".join(lines)


def as_json(results: list[Result], *, scale: str, extra: dict | None = None) -> dict:
    return {
        "scale": scale,
        "database": database(),
        "machine": machine(),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **(extra or {}),
        "not_measured": NOT_MEASURED,
        "results": [
            {
                "name": r.name,
                "ms": r.ms,
                "floor_ms": r.floor_ms,
                "ratio": r.ratio,
                "goal_ratio": r.goal_ratio,
                "queries": r.queries,
                "kind": r.kind,
                "meets_goal": r.meets_goal,
                "same_answer": r.same_answer,
                "memory": r.memory,
                "error": r.error,
            }
            for r in results
        ],
    }


def run_bench(*, scale: str, repeats: int = 15, warmup: int = 3, only: list[str] | None = None, log=print):
    """Measure every registered operation on the current database (already populated)."""
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from aftercare.accounts.models import User

    ctx = Context(scale=scale, repeats=repeats, warmup=warmup)
    ctx.users = {name: User.objects.get(username=name) for name in ("advisor", "manager")}
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(ROOT_URLCONF="aftercare.bench.urls", ALLOWED_HOSTS=hosts):
        for name, user in ctx.users.items():
            client = Client()
            client.force_login(user)
            _pass_second_factor(client, user)
            ctx.clients[name] = client
        log(HEADER)
        results = run_operations(ctx, only=only, log=log)
    for name, why in NOT_MEASURED.items():
        if not only or any(name.startswith(prefix) for prefix in only):
            log(f"{name:<34} not measured: {why}")
    return results


def _pass_second_factor(client, user) -> None:
    """The demo manager signs in with two factors (docs/DOMAIN.md §24.1): mark the benchmark's
    session verified by the demo device, as a real sign-in with the code would."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from aftercare.accounts.twofactor import pass_in_session

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session = client.session
        pass_in_session(session, device)
        session.save()
