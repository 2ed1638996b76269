"""Backups of the whole database, taken while AfterCare keeps running, and their restore.

A backup is two files in BACKUP_DIR:

* the data: `aftercare-YYYYmmdd-HHMMSS.sqlite3` (a plain SQLite file, openable as is) or
  `aftercare-YYYYmmdd-HHMMSS.pgdump` (`pg_dump --format=custom`, for `pg_restore`);
* the manifest: the same stem + `.json`, with the sha256 of the data file and the row count of
  every table *as stored in the data file*, so a restore can prove it got everything back.

The manifest is renamed into place last: a backup without a manifest is unfinished and is
neither listed nor restored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

from .audit import audit_record
from .models import AuditEntry, BackupRecord, RestoreDrill

PREFIX = "aftercare-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".pgdump"}
MANIFEST_VERSION = 1
# libpq connection keywords that may sit in Django's OPTIONS and must reach pg_dump/pg_restore
# too, or the tools would connect differently from the app (e.g. without TLS).
_LIBPQ_OPTIONS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "options", "connect_timeout", "service", "passfile")


class BackupError(Exception):
    """A backup or restore that cannot be done or did not verify; the message says why."""


# --- Public API ------------------------------------------------------------------------------


def backup_create(*, actor=None, directory: Path | None = None) -> Path:
    """Write a consistent copy of the whole database plus its manifest; return the data file."""
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    engine = _engine()
    created_at = timezone.localtime()
    data_path = _free_name(directory, created_at, SUFFIXES[engine])
    # Work under dot-names that the listing ignores; rename only once complete.
    tmp_data = directory / f".{data_path.name}.part"
    tmp_manifest = directory / f".{data_path.stem}.json.part"
    try:
        if engine == "sqlite":
            tables, heads = _sqlite_backup(tmp_data)
        else:
            tables, heads = _pg_backup(tmp_data)
        manifest = {
            "version": MANIFEST_VERSION,
            "created_at": created_at.isoformat(),
            "engine": engine,
            "file": data_path.name,
            "size": tmp_data.stat().st_size,
            "sha256": _sha256(tmp_data),
            "tables": tables,
            "rows": sum(tables.values()),
            "django_migrations_head": heads,
        }
        tmp_manifest.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        os.replace(tmp_data, data_path)
        os.replace(tmp_manifest, _manifest_path(data_path))
    finally:
        tmp_data.unlink(missing_ok=True)
        tmp_manifest.unlink(missing_ok=True)
    BackupRecord.objects.update_or_create(
        path=str(data_path.resolve()),
        defaults={
            "name": data_path.name,
            "host": _host(),
            "created_at": created_at,
            "engine": engine,
            "size": manifest["size"],
            "rows": manifest["rows"],
            "table_count": len(tables),
            "sha256": manifest["sha256"],
        },
    )
    # This row is written after the copy, so the live database now has one more audit row
    # than the backup: the backup records the state just before it was taken.
    audit_record(
        actor=actor,
        action=AuditEntry.Action.BACKUP,
        object_repr=data_path.name,
        reason=f"{len(tables)} tables, {manifest['rows']} rows",
    )
    return data_path


def backup_prune(*, directory: Path | None = None, keep_days: int | None = None) -> list[Path]:
    """Delete backups older than keep_days, except the newest one; return the deleted paths.

    The newest backup is kept whatever its age: if backups have stopped working, the last good
    one must not silently age away. Unfinished leftovers (a data file without a manifest, a
    temporary `.part` file) are deleted once past the same age.
    """
    directory = Path(directory or settings.BACKUP_DIR)
    keep_days = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
    if not directory.is_dir():
        return []
    now = timezone.now()
    cutoff = now - timedelta(days=keep_days)
    entries = _scan(directory)
    # "Newest" means the newest *restorable* backup, not a damaged manifest that happens to be recent.
    good = [entry for entry in entries if entry["data"] is not None and entry["path"].exists()]
    newest = max(good, key=lambda entry: entry["created_at"]) if good else None
    deleted: list[Path] = []
    for entry in entries:
        if entry is newest or entry["created_at"] >= cutoff:
            continue
        for path in (entry["path"], entry["manifest"]):
            if path.exists():
                path.unlink()
                deleted.append(path)
    known = {entry["path"] for entry in entries}
    leftovers = [(p, cutoff) for s in SUFFIXES.values() for p in directory.glob(f"{PREFIX}*{s}") if p not in known]
    # A `.part` file may belong to a backup running right now: give it at least a day.
    part_cutoff = min(cutoff, now - timedelta(days=1))
    leftovers += [(p, part_cutoff) for p in directory.glob(f".{PREFIX}*.part")]
    for path, limit in leftovers:
        if _mtime(path) < limit:
            path.unlink(missing_ok=True)
            deleted.append(path)
    # Every machine's records: the ones whose files were deleted here, and old ones whose file is
    # gone from the shared directory already (deleted by hand or by another machine's pruning).
    gone = [str(p.resolve()) for p in deleted]
    gone += [
        record.path
        for record in BackupRecord.objects.filter(pruned_at=None, created_at__lt=cutoff)
        if not Path(record.path).exists()
    ]
    BackupRecord.objects.filter(path__in=gone, pruned_at=None).update(pruned_at=now)
    return deleted


def list_backups(directory: Path | None = None) -> list[dict]:
    """Finished backups, newest first, as read from their manifests."""
    directory = Path(directory or settings.BACKUP_DIR)
    if not directory.is_dir():
        return []
    backups = []
    for entry in _scan(directory):
        manifest, path = entry["data"], entry["path"]
        if manifest is None or not path.exists():
            continue
        tables = manifest.get("tables") or {}
        backups.append(
            {
                "name": path.name,
                "path": path,
                "created_at": entry["created_at"],
                "size": path.stat().st_size,
                "engine": manifest.get("engine", ""),
                "tables": sum(tables.values()),
                "table_count": len(tables),
                "sha256": manifest.get("sha256", ""),
            }
        )
    backups.sort(key=lambda b: b["created_at"], reverse=True)
    return backups


def backup_overview() -> list[dict]:
    """Every backup any machine made and has not pruned, newest first, with where it is (host and
    path) and whether this machine can see the file; plus files in BACKUP_DIR made before backups
    were recorded."""
    rows = []
    for record in BackupRecord.objects.filter(pruned_at=None).order_by("-created_at"):
        rows.append(
            {
                "name": record.name,
                "host": record.host,
                "path": record.path,
                "created_at": record.created_at,
                "size": record.size,
                "engine": record.engine,
                "tables": record.rows,
                "present": Path(record.path).exists(),
            }
        )
    recorded = {row["path"] for row in rows}
    for local in list_backups():
        if str(Path(local["path"]).resolve()) not in recorded:
            rows.append({**local, "host": _host(), "path": str(local["path"]), "present": True})
    rows.sort(key=lambda row: row["created_at"], reverse=True)
    return rows


def restore_drill() -> RestoreDrill | None:
    """Restore the newest backup into a scratch database and compare every table's row count with
    its manifest; record the result (shown on the background health page). None: no backup yet."""
    candidates = [row for row in backup_overview() if row["present"]]
    if not candidates:
        return None
    newest = Path(candidates[0]["path"])
    drill = RestoreDrill(backup_name=newest.name, host=_host(), ok=False)
    try:
        manifest = read_manifest(newest)
        if _sha256(newest) != manifest.get("sha256"):
            raise BackupError(f"{newest.name} does not match its manifest (sha256 differs).")
        if manifest.get("engine") == "sqlite":
            restored = _sqlite_drill(newest)
        else:
            restored = _pg_drill(newest)
        expected = {str(name): int(count) for name, count in manifest["tables"].items()}
        drill.tables, drill.rows = len(restored), sum(restored.values())
        differences = [
            f"{name}: expected {expected.get(name, 'no table')}, found {restored.get(name, 'no table')}"
            for name in sorted(set(expected) | set(restored))
            if expected.get(name) != restored.get(name)
        ]
        drill.ok = not differences
        drill.message = "; ".join(differences[:10])[:4000]
    except BackupError as exc:
        drill.message = str(exc)[:4000]
    drill.save()
    return drill


def _sqlite_drill(data_path: Path) -> dict[str, int]:
    with tempfile.TemporaryDirectory(prefix="aftercare-drill-") as scratch:
        source = sqlite3.connect(f"{data_path.resolve().as_uri()}?mode=ro", uri=True)
        target = sqlite3.connect(Path(scratch) / "drill.sqlite3")
        try:
            source.backup(target)
            if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{data_path.name} restored into a damaged database (integrity check failed).")
            return _sqlite_counts(target)
        finally:
            source.close()
            target.close()


def _pg_drill(data_path: Path) -> dict[str, int]:
    """pg_restore into a scratch database next to the live one, count, drop it."""
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    conninfo, password, env = _pg_settings()
    scratch = f"{conninfo_to_dict(conninfo).get('dbname', 'aftercare')}_restore_drill"[:63]
    admin = _pg_connect(make_conninfo(conninfo, dbname="postgres"), password)
    admin.autocommit = True
    try:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
        # From template0, which no session ever connects to: a CREATE DATABASE from template1 fails
        # while another session (a second worker creating its own database) is copying it.
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(scratch)))
        try:
            target = make_conninfo(conninfo, dbname=scratch)
            _pg_run(
                [
                    _pg_tool("pg_restore"),
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    "--no-password",
                    f"--dbname={target}",
                    str(data_path),
                ],
                env,
            )
            with _pg_connect(target, password) as conn, conn.cursor() as cursor:
                return _pg_counts(cursor)
        finally:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(scratch)))
    finally:
        admin.close()


def read_manifest(path: Path) -> dict:
    """The manifest of a backup, given its data file or the manifest itself."""
    manifest_path = _manifest_path(Path(path))
    try:
        manifest = json.loads(manifest_path.read_text())
    except FileNotFoundError:
        raise BackupError(f"No manifest {manifest_path.name} next to the backup: the backup is incomplete.") from None
    except ValueError as exc:
        raise BackupError(f"The manifest {manifest_path.name} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise BackupError(f"The manifest {manifest_path.name} has no table counts.")
    return manifest


def backup_restore(*, path: Path) -> dict:
    """Restore a backup into the configured database, which must be empty, and verify it.

    Checks before touching the database: the manifest exists, it is for this database engine,
    the file's sha256 matches, and the target has no tables at all (restoring over data would
    mix two histories, so we refuse rather than guess). After: every table's row count must
    equal the manifest's.
    """
    path = Path(path)
    manifest = read_manifest(path)
    data_path = _manifest_path(path).with_name(Path(manifest["file"]).name)
    if not data_path.exists():
        raise BackupError(f"The backup file {data_path} does not exist.")
    engine = _engine()
    if manifest.get("engine") != engine:
        raise BackupError(
            f"{data_path.name} is a {manifest.get('engine')} backup but the configured database is {engine}."
        )
    if _sha256(data_path) != manifest.get("sha256"):
        raise BackupError(f"{data_path.name} does not match its manifest (sha256 differs): the file is damaged.")
    existing = _target_tables(engine)
    if existing:
        raise BackupError(
            f"The target database is not empty: it already has {len(existing)} tables "
            f"(e.g. {', '.join(sorted(existing)[:3])}). Restore only into a new, empty database."
        )
    if engine == "sqlite":
        restored = _sqlite_restore(data_path)
    else:
        restored = _pg_restore(data_path)
    expected = {str(name): int(count) for name, count in manifest["tables"].items()}
    if restored != expected:
        differences = [
            f"{name}: expected {expected.get(name, 'no table')}, found {restored.get(name, 'no table')}"
            for name in sorted(set(expected) | set(restored))
            if expected.get(name) != restored.get(name)
        ]
        raise BackupError(
            "The restored database does not match the manifest: " + "; ".join(differences[:10]) + ". "
            "Do not use this database; drop it and restore again into an empty one."
        )
    result = {"tables": len(restored), "rows": sum(restored.values())}
    audit_record(
        actor=None,
        action=AuditEntry.Action.RESTORE,
        object_repr=data_path.name,
        reason=f"{result['tables']} tables, {result['rows']} rows verified",
    )
    return result


# --- SQLite ----------------------------------------------------------------------------------


def _sqlite_name() -> str:
    return str(connections["default"].settings_dict["NAME"])


def _is_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name


@contextlib.contextmanager
def _sqlite_source() -> Iterator[sqlite3.Connection]:
    """A connection to the app's database for reading.

    A file gets its own connection, so the copy does not depend on the state of Django's one.
    An in-memory database (the test database) exists only inside Django's connection.
    """
    name = _sqlite_name()
    if _is_memory(name):
        connection = connections["default"]
        connection.ensure_connection()
        yield connection.connection
        return
    source = sqlite3.connect(name, timeout=20)
    try:
        yield source
    finally:
        source.close()


def _sqlite_backup(target: Path) -> tuple[dict[str, int], dict[str, str]]:
    copy = sqlite3.connect(target)
    try:
        with _sqlite_source() as source:
            # The online backup API copies every page under one read transaction (all pages in
            # one step), so the copy is a consistent snapshot even while cashiers keep writing:
            # in WAL mode readers and writers do not block each other.
            source.backup(copy)
        # The copy inherits WAL mode from the source header; a backup should be one
        # self-contained file, without -wal/-shm companions.
        copy.execute("PRAGMA journal_mode=DELETE")
        # Count in the copy itself, not the live database: these are the numbers that a
        # restore of this exact file must reproduce.
        return _sqlite_counts(copy), _migration_heads(copy.cursor(), "django_migrations")
    finally:
        copy.close()


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
    return sorted(name for (name,) in rows)


def _sqlite_counts(db: sqlite3.Connection) -> dict[str, int]:
    counts = {}
    for name in _sqlite_tables(db):
        quoted = '"' + name.replace('"', '""') + '"'
        counts[name] = db.execute(f"SELECT count(*) FROM {quoted}").fetchone()[0]  # noqa: S608
    return counts


def _sqlite_restore(data_path: Path) -> dict[str, int]:
    name = _sqlite_name()
    if _is_memory(name):
        raise BackupError("Restore needs a database file, not an in-memory database.")
    # Django must not hold a connection to the file while its pages are replaced underneath.
    connections["default"].close()
    Path(name).parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"{data_path.resolve().as_uri()}?mode=ro", uri=True)
    target = sqlite3.connect(name, timeout=20)
    try:
        source.backup(target)
        # Back to the journal mode the app runs with (settings turn WAL on for each connection,
        # but a restored file should not depend on that).
        target.execute("PRAGMA journal_mode=WAL")
        return _sqlite_counts(target)
    finally:
        source.close()
        target.close()


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_settings() -> tuple[str, str | None, dict[str, str]]:
    """(conninfo without password, password, environment for pg_dump/pg_restore).

    The password travels in PGPASSWORD, never on a command line where `ps` would show it.
    """
    from psycopg.conninfo import make_conninfo

    db = connections["default"].settings_dict
    params: dict[str, Any] = {
        "dbname": db.get("NAME"),
        "user": db.get("USER"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    params.update({key: value for key, value in (db.get("OPTIONS") or {}).items() if key in _LIBPQ_OPTIONS})
    conninfo = make_conninfo(**{key: str(value) for key, value in params.items() if value not in (None, "")})
    password = db.get("PASSWORD") or None
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return conninfo, password, env


def _pg_connect(conninfo: str, password: str | None):
    import psycopg

    return psycopg.connect(conninfo, **({"password": password} if password else {}))


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"{name} is not installed (PostgreSQL client tools are needed for backups).")
    return found


def _pg_run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _pg_tables(cursor) -> list[tuple[str, str]]:
    # Ordinary tables and partitions (relkind 'r'), not partitioned parents, so no row is
    # counted twice; every non-system schema, because pg_dump dumps them all.
    cursor.execute(
        """
        SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
        ORDER BY 1, 2
        """
    )
    return list(cursor.fetchall())


def _pg_counts(cursor) -> dict[str, int]:
    from psycopg import sql

    counts = {}
    for schema, table in _pg_tables(cursor):
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table)))
        counts[table if schema == "public" else f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


def _pg_backup(target: Path) -> tuple[dict[str, int], dict[str, str]]:
    import psycopg

    conninfo, password, env = _pg_settings()
    pg_dump = _pg_tool("pg_dump")
    with _pg_connect(conninfo, password) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            # REPEATABLE READ fixes one snapshot for the whole transaction; exporting it lets
            # pg_dump read through that very snapshot. So the counts below and the dump see the
            # same committed state, although the app keeps writing meanwhile: without this, a
            # row inserted between counting and dumping would make the restore check fail.
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            tables = _pg_counts(cursor)
            heads = _migration_heads(cursor, "django_migrations") if "django_migrations" in tables else {}
            # The exported snapshot lives only while this transaction is open, so pg_dump runs
            # inside the `with`. Our ACCESS SHARE locks from counting also keep the tables'
            # structure from changing under pg_dump.
            _pg_run(
                [
                    pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot_id}",
                    "--no-owner",
                    "--no-password",
                    f"--file={target}",
                    f"--dbname={conninfo}",
                ],
                env,
            )
        conn.rollback()
    return tables, heads


def _pg_restore(data_path: Path) -> dict[str, int]:
    conninfo, password, env = _pg_settings()
    _pg_run(
        [
            _pg_tool("pg_restore"),
            # The target's owner becomes owner of everything, and grants to roles that may not
            # exist on this server are skipped: the app connects as the restoring user.
            "--no-owner",
            "--no-acl",
            # All or nothing: a failed restore leaves the database empty, ready to retry.
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={conninfo}",
            str(data_path),
        ],
        env,
    )
    with _pg_connect(conninfo, password) as conn, conn.cursor() as cursor:
        return _pg_counts(cursor)


# --- Shared ----------------------------------------------------------------------------------


def _host() -> str:
    return (settings.WORKER_HOST or socket.gethostname())[:100]


def _engine() -> str:
    vendor = connections["default"].vendor
    if vendor not in SUFFIXES:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
    return vendor


def _target_tables(engine: str) -> list[str]:
    if engine == "sqlite":
        with _sqlite_source() as db:
            return _sqlite_tables(db)
    conninfo, password, _env = _pg_settings()
    with _pg_connect(conninfo, password) as conn, conn.cursor() as cursor:
        return [f"{schema}.{table}" for schema, table in _pg_tables(cursor)]


def _migration_heads(cursor, table: str) -> dict[str, str]:
    """{app: latest applied migration}: which code version the backup belongs to."""
    try:
        cursor.execute(f"SELECT app, max(name) FROM {table} GROUP BY app ORDER BY app")  # noqa: S608
    except sqlite3.OperationalError:
        return {}
    return dict(cursor.fetchall())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _manifest_path(path: Path) -> Path:
    return path if path.suffix == ".json" else path.with_suffix(".json")


def _free_name(directory: Path, created_at: datetime, suffix: str) -> Path:
    stem = f"{PREFIX}{created_at:%Y%m%d-%H%M%S}"
    candidate, n = directory / f"{stem}{suffix}", 1
    # Two backups in the same second (a click on "back up now" during the nightly run).
    while candidate.exists() or _manifest_path(candidate).exists():
        candidate, n = directory / f"{stem}-{n}{suffix}", n + 1
    return candidate


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.get_current_timezone())


def _scan(directory: Path) -> list[dict]:
    """Every manifest in directory with its data file and time; an unreadable manifest still
    counts (with its file's time) so that prune can clear it away."""
    entries = []
    for manifest_path in directory.glob(f"{PREFIX}*.json"):
        try:
            data = read_manifest(manifest_path)
            path = manifest_path.with_name(Path(str(data["file"])).name)
            created_at = datetime.fromisoformat(str(data["created_at"]))
            if timezone.is_naive(created_at):
                created_at = timezone.make_aware(created_at)
        except (BackupError, KeyError, ValueError):
            data, created_at = None, _mtime(manifest_path)
            path = next(
                (p for s in SUFFIXES.values() if (p := manifest_path.with_suffix(s)).exists()),
                manifest_path.with_suffix(".sqlite3"),
            )
        entries.append({"manifest": manifest_path, "path": path, "created_at": created_at, "data": data})
    return entries
