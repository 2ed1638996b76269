"""Benchmark databases: generated once per scale, seed and code version, then reused.

A dataset is built with the demo generator (aftercare.demo, bulk inserts) into
a cached SQLite file or PostgreSQL database whose name carries a key: a hash
of the scale, the seed, every migration file, the generator's source and the
pinned requirements. Change any of them and a new dataset is built; otherwise
the next run starts in seconds. Each run measures a *working copy* (a file
copy, or CREATE DATABASE ... TEMPLATE), so the writes a run makes (new
customers, sessions, audit rows) never leak into the next run's data.

Nothing here imports Django: the database must be chosen before Django starts.
"""

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent.parent
BENCH_DIR = BASE_DIR / "var" / "bench"
DEFAULT_SEED = 2026


@dataclass(frozen=True)
class Scale:
    """How much data: `stores` stores, each with `customers` customers and `vehicles` vehicles."""

    name: str
    stores: int
    customers: int  # per store
    vehicles: int  # per store
    repair_orders: int = 0  # delivered history per store, five years (aftercare.bench.history)

    @property
    def total_customers(self) -> int:
        return self.stores * self.customers

    @property
    def total_vehicles(self) -> int:
        return self.stores * self.vehicles


SCALES = {
    # What one 4S store accumulates in about ten years.
    # Five years of it in repair orders: ~90,000 (3.6 visits per vehicle, ~8 lines each).
    "store": Scale("store", stores=1, customers=20_000, vehicles=25_000, repair_orders=90_000),
    # A dealer group: 50 stores, 1,000,000 vehicles (800,000 customers), 3.6 M repair orders.
    "group": Scale("group", stores=50, customers=16_000, vehicles=20_000, repair_orders=72_000),
    # For the CI smoke test and trying the harness.
    "tiny": Scale("tiny", stores=1, customers=200, vehicles=250, repair_orders=900),
}


def scale_named(name: str, *, stores: int | None = None) -> Scale:
    """A scale by name; `stores` runs a fraction of it (group with 5 stores: `group-5`)."""
    scale = SCALES[name]
    if stores and stores != scale.stores:
        scale = Scale(
            f"{name}-{stores}", stores=stores, customers=scale.customers, vehicles=scale.vehicles,
            repair_orders=scale.repair_orders,
        )  # fmt: skip
    return scale


def code_key(scale: Scale, seed: int) -> str:
    """The cache key: the data depend on the scale, the seed, the schema and the generator."""
    digest = hashlib.sha256(f"{scale}|{seed}".encode())
    aftercare = BASE_DIR / "aftercare"
    files = sorted(aftercare.glob("*/migrations/*.py")) + sorted((aftercare / "demo").glob("*.py"))
    files += [aftercare / "catalog" / "defaults.py", aftercare / "bench" / "history.py"]
    files += [aftercare / "bench" / "parts_data.py"]
    files += [aftercare / "core" / "maintenance.py", BASE_DIR / "requirements.txt"]
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(BASE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


@dataclass(frozen=True)
class Target:
    """Where a run's working copy lives: what to put into VAR_DIR and DATABASE_URL."""

    vendor: str  # "sqlite" or "postgresql"
    var_dir: Path
    database_url: str  # "" for SQLite: settings then use VAR_DIR/aftercare.sqlite3
    cached: str  # the cached dataset (file path or database name)
    built_seconds: float | None  # None when the cache was used

    def environ(self) -> dict[str, str]:
        return {"VAR_DIR": str(self.var_dir), "DATABASE_URL": self.database_url}


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _pg_admin(url: str):
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def _pg_exists(url: str, name: str) -> bool:
    with _pg_admin(url) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _pg_recreate(url: str, name: str, *, template: str | None = None) -> None:
    from psycopg import sql

    with _pg_admin(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if template:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
            )
        else:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _pg_rename(url: str, old: str, new: str) -> None:
    from psycopg import sql

    with _pg_admin(url) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(old), sql.Identifier(new)))


def _build(scale: Scale, seed: int, environ: dict[str, str]) -> None:
    """Migrate and generate in a child process, so that Django there talks to the new database."""
    env = {**os.environ, **environ, "DJANGO_SETTINGS_MODULE": "aftercare.settings", "DEBUG": "0"}
    command = [sys.executable, "-m", "aftercare.bench", "build", "--scale", scale.name.split("-")[0]]
    command += ["--stores", str(scale.stores), "--seed", str(seed)]
    subprocess.run(command, cwd=BASE_DIR, env=env, check=True)  # noqa: S603 (our own interpreter)


@contextlib.contextmanager
def _building(key: str):
    """One build of a dataset at a time: a second run started meanwhile waits
    for the first and then reuses its result instead of building into the
    same directory (or database) beside it."""
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    with open(BENCH_DIR / f".build-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def prepare(scale: Scale, seed: int, database_url: str = "", *, purpose: str = "run", log=print) -> Target:
    """The cached dataset for (scale, seed, code), built if missing, and a fresh working copy of it.

    `purpose` names the working copy ("run" for `make bench`, "load" for the
    load test), so both can exist side by side.
    """
    with _building(code_key(scale, seed)):
        return _prepare(scale, seed, database_url, purpose=purpose, log=log)


def _prepare(scale: Scale, seed: int, database_url: str, *, purpose: str, log) -> Target:
    key = code_key(scale, seed)
    started = time.perf_counter()
    built = None
    if not database_url or database_url.startswith("sqlite"):
        cache_dir = BENCH_DIR / "db"
        cache_dir.mkdir(parents=True, exist_ok=True)
        cached = cache_dir / f"{scale.name}-s{seed}-{key}.sqlite3"
        if not cached.exists():
            log(f"Building the {scale.name} dataset (seed {seed}) into {cached.name}; later runs reuse it.")
            build_dir = BENCH_DIR / f"build-{key}"
            shutil.rmtree(build_dir, ignore_errors=True)
            build_dir.mkdir(parents=True)
            _build(scale, seed, {"VAR_DIR": str(build_dir), "DATABASE_URL": ""})
            database = build_dir / "aftercare.sqlite3"
            with sqlite3.connect(database) as db:  # fold the WAL into the file before copying it
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            database.rename(cached)
            shutil.rmtree(build_dir, ignore_errors=True)
            built = time.perf_counter() - started
        var_dir = BENCH_DIR / f"{purpose}-sqlite"
        var_dir.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (var_dir / f"aftercare.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copyfile(cached, var_dir / "aftercare.sqlite3")
        return Target("sqlite", var_dir, "", str(cached), built)

    name = f"aftercare_bench_{scale.name.replace('-', '_')}_s{seed}_{key}"
    if not _pg_exists(database_url, name):
        log(f"Building the {scale.name} dataset (seed {seed}) into PostgreSQL database {name}; later runs reuse it.")
        building = f"aftercare_bench_building_{key}"
        _pg_recreate(database_url, building)
        build_dir = BENCH_DIR / f"build-{key}"
        build_dir.mkdir(parents=True, exist_ok=True)
        _build(scale, seed, {"VAR_DIR": str(build_dir), "DATABASE_URL": _with_database(database_url, building)})
        _pg_rename(database_url, building, name)
        shutil.rmtree(build_dir, ignore_errors=True)
        built = time.perf_counter() - started
    work = f"aftercare_bench_{purpose}"
    _pg_recreate(database_url, work, template=name)
    var_dir = BENCH_DIR / f"{purpose}-postgresql"
    var_dir.mkdir(parents=True, exist_ok=True)
    return Target("postgresql", var_dir, _with_database(database_url, work), name, built)
