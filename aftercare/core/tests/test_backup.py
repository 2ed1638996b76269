"""Backups: consistent copies with a manifest, restores that prove they got every row back."""

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from aftercare.core import backup
from aftercare.core.backup import BackupError, backup_create, backup_prune, backup_restore, list_backups, read_manifest
from aftercare.core.models import AuditEntry, BackupRecord, DealerGroup, RestoreDrill, Store

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith("postgres")


# --- Round trip through the real commands ---------------------------------------------------


def manage(*args: str, var_dir: Path, database_url: str = "") -> str:
    env = {**os.environ, "VAR_DIR": str(var_dir), "DATABASE_URL": database_url, "BACKUP_DIR": str(var_dir / "bk")}
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


CREATE_ROWS = (
    "from aftercare.core.models import DealerGroup, Store\n"
    "group = DealerGroup.objects.create(name='粤通集团', code='yt')\n"
    "Store.objects.create(group=group, code='th', name='天河店')\n"
    "Store.objects.create(group=group, code='py', name='番禺店')\n"
)


def sqlite_counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    try:
        names = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'") if n[:7] != "sqlite_"]
        return {n: db.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        db.close()


def postgres_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        return backup._pg_counts(cursor)


@pytest.fixture
def scratch_databases():
    """(source, target) database URLs: two SQLite files' VAR_DIRs or two new PostgreSQL databases."""
    if not ON_POSTGRES:
        yield "", ""
        return
    import psycopg

    suffix = uuid.uuid4().hex[:10]
    names = [f"aftercare_bk_src_{suffix}", f"aftercare_bk_dst_{suffix}"]
    with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
        for name in names:
            admin.execute(f"CREATE DATABASE {name} TEMPLATE template0")
    try:
        yield tuple(urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl() for name in names)
    finally:
        with psycopg.connect(DATABASE_URL, autocommit=True) as admin:
            for name in names:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_backup_restored_into_an_empty_database_has_every_row_back(tmp_path, scratch_databases):
    source_url, target_url = scratch_databases
    source_var, target_var, backup_dir = tmp_path / "source", tmp_path / "target", tmp_path / "backups"
    manage("migrate", "-v0", var_dir=source_var, database_url=source_url)
    manage("shell", "-c", CREATE_ROWS, var_dir=source_var, database_url=source_url)

    out = manage("backup", "--dir", str(backup_dir), var_dir=source_var, database_url=source_url)
    (data_file,) = [p for p in backup_dir.iterdir() if p.suffix != ".json"]
    assert str(data_file) in out and "core_store" in out
    manifest = read_manifest(data_file)
    assert manifest["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["tables"]["core_store"] == 2 and manifest["django_migrations_head"]["core"]

    out = manage("restore", str(data_file), var_dir=target_var, database_url=target_url)
    assert "Verified" in out

    if ON_POSTGRES:
        source, restored = postgres_counts(source_url), postgres_counts(target_url)
    else:
        source = sqlite_counts(source_var / "aftercare.sqlite3")
        restored = sqlite_counts(target_var / "aftercare.sqlite3")
    # Each side wrote one audit row after the copy (the backup's and the restore's entry), and the
    # source recorded the backup it made, so the restored database equals the source less that
    # record, and the manifest plus one audit row.
    assert restored == {**source, "core_backuprecord": source["core_backuprecord"] - 1}
    assert restored == {**manifest["tables"], "core_auditentry": manifest["tables"]["core_auditentry"] + 1}
    assert restored["core_store"] == 2 and restored["core_dealergroup"] == 1


# --- Create, refuse, verify (in process, on the test database) ------------------------------


# transaction=True: the rows must be committed, because on PostgreSQL the backup reads
# through its own connection, as it does in production.
committed = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop_rows():
    group = DealerGroup.objects.create(name="粤通集团", code="yt")
    Store.objects.create(group=group, code="th", name="天河店")


@committed
def test_a_backup_writes_a_manifest_counted_from_the_copy_and_an_audit_entry(tmp_path, shop_rows):
    path = backup_create(directory=tmp_path)

    manifest = json.loads(path.with_suffix(".json").read_text())
    assert manifest["file"] == path.name and manifest["tables"]["core_store"] == 1
    if manifest["engine"] == "sqlite":
        assert sqlite_counts(path) == manifest["tables"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.BACKUP)
    assert entry.object_repr == path.name and entry.actor is None
    (listed,) = list_backups(tmp_path)
    assert listed["path"] == path and listed["tables"] == manifest["rows"] and listed["size"] == path.stat().st_size


@committed
def test_restore_refuses_a_database_that_already_has_tables(tmp_path, shop_rows):
    path = backup_create(directory=tmp_path)

    with pytest.raises(BackupError, match="not empty"):
        backup_restore(path=path)
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(path))
    assert DealerGroup.objects.count() == 1


@committed
def test_restore_refuses_a_file_that_does_not_match_its_manifest(tmp_path, shop_rows):
    path = backup_create(directory=tmp_path)
    with path.open("ab") as f:
        f.write(b"tampered")

    with pytest.raises(BackupError, match="sha256"):
        backup_restore(path=path)


@committed
def test_restore_refuses_a_backup_without_its_manifest(tmp_path, shop_rows):
    path = backup_create(directory=tmp_path)
    path.with_suffix(".json").unlink()

    with pytest.raises(BackupError, match="manifest"):
        backup_restore(path=path)


@pytest.mark.skipif(not ON_POSTGRES, reason="the exported snapshot is PostgreSQL's")
@committed
def test_rows_committed_while_postgres_is_being_backed_up_are_neither_counted_nor_dumped(
    tmp_path, shop_rows, monkeypatch
):
    import psycopg

    count_tables = backup._pg_counts
    conninfo, password, _env = backup._pg_settings()

    def count_then_someone_writes(cursor):
        counts = count_tables(cursor)
        with psycopg.connect(conninfo, password=password, autocommit=True) as other:
            other.execute("INSERT INTO core_dealergroup (name, code) VALUES ('后来的集团', 'late')")
        return counts

    monkeypatch.setattr(backup, "_pg_counts", count_then_someone_writes)
    path = backup_create(directory=tmp_path)

    assert DealerGroup.objects.count() == 2
    assert read_manifest(path)["tables"]["core_dealergroup"] == 1
    dumped = subprocess.run(
        ["pg_restore", "--data-only", "--table=core_dealergroup", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "粤通集团" in dumped and "后来的集团" not in dumped


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite-only check")
@committed
def test_a_sqlite_backup_is_one_self_contained_file(tmp_path, shop_rows):
    path = backup_create(directory=tmp_path)

    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


# --- Prune and list (fake files) ------------------------------------------------------------


def fake_backup(directory: Path, age: timedelta, *, rows: int = 3) -> Path:
    created_at = timezone.localtime() - age
    path = directory / f"aftercare-{created_at:%Y%m%d-%H%M%S}.sqlite3"
    path.write_bytes(b"x" * rows)
    manifest = {
        "created_at": created_at.isoformat(),
        "engine": "sqlite",
        "file": path.name,
        "sha256": "",
        "tables": {"core_store": rows - 1, "core_dealergroup": 1},
    }
    path.with_suffix(".json").write_text(json.dumps(manifest))
    for p in (path, path.with_suffix(".json")):
        os.utime(p, (created_at.timestamp(), created_at.timestamp()))
    return path


@pytest.mark.django_db
def test_prune_deletes_backups_past_the_keep_days_and_keeps_recent_ones(tmp_path):
    old, older, recent = (fake_backup(tmp_path, timedelta(days=d)) for d in (20, 30, 1))

    deleted = backup_prune(directory=tmp_path, keep_days=14)

    assert set(deleted) == {old, old.with_suffix(".json"), older, older.with_suffix(".json")}
    assert sorted(p.name for p in tmp_path.iterdir()) == [recent.with_suffix(".json").name, recent.name]


@pytest.mark.django_db
def test_prune_never_deletes_the_newest_backup_however_old(tmp_path):
    old = fake_backup(tmp_path, timedelta(days=40))
    newest = fake_backup(tmp_path, timedelta(days=30))

    backup_prune(directory=tmp_path, keep_days=14)

    assert not old.exists()
    assert newest.exists() and newest.with_suffix(".json").exists()


@pytest.mark.django_db
def test_prune_clears_old_unfinished_leftovers_but_not_a_backup_in_progress(tmp_path):
    fake_backup(tmp_path, timedelta(days=1))
    orphan = tmp_path / "aftercare-20200101-023000.sqlite3"
    orphan.write_bytes(b"no manifest")
    os.utime(orphan, (0, 0))
    in_progress = tmp_path / ".aftercare-20990101-023000.sqlite3.part"
    in_progress.write_bytes(b"being written")

    assert backup_prune(directory=tmp_path, keep_days=14) == [orphan]
    assert in_progress.exists()


def test_the_backup_list_is_newest_first_and_skips_unfinished_backups(tmp_path):
    older = fake_backup(tmp_path, timedelta(days=3), rows=5)
    newer = fake_backup(tmp_path, timedelta(hours=2), rows=3)
    (tmp_path / "aftercare-20990101-000000.sqlite3").write_bytes(b"no manifest yet")

    listed = list_backups(tmp_path)

    assert [b["path"] for b in listed] == [newer, older]
    assert listed[0]["tables"] == 3 and listed[0]["engine"] == "sqlite" and listed[0]["size"] == 3
    assert timezone.is_aware(listed[0]["created_at"])
    assert listed[0]["created_at"] > listed[1]["created_at"]


# --- Every machine's backups, one list, one pruning, a restore drill ----------------------------


def record(path: Path, *, host: str, age: timedelta) -> BackupRecord:
    return BackupRecord.objects.create(
        name=path.name, host=host, path=str(path), created_at=timezone.now() - age, engine="sqlite", size=3, rows=3
    )


@pytest.mark.django_db
def test_the_backup_list_shows_backups_made_by_another_workers_machine_with_where_they_are(
    tmp_path, settings, client_for, staff
):
    settings.BACKUP_DIR = tmp_path / "shared"
    settings.BACKUP_DIR.mkdir()
    theirs = fake_backup(settings.BACKUP_DIR, timedelta(hours=3))
    record(theirs, host="shop-server-2", age=timedelta(hours=3))
    elsewhere = record(
        Path("/mnt/other/aftercare-20260101-023000.sqlite3"), host="shop-server-3", age=timedelta(days=1)
    )

    listed = backup.backup_overview()
    page = client_for(staff["admin"]).get("/backups/").content.decode()

    assert [(b["host"], b["path"], b["present"]) for b in listed] == [
        ("shop-server-2", str(theirs), True),
        ("shop-server-3", elsewhere.path, False),
    ]
    assert "shop-server-2" in page and str(theirs) in page and elsewhere.path in page


@pytest.mark.django_db
def test_pruning_covers_every_machines_backups_in_the_shared_directory(tmp_path):
    old_here = fake_backup(tmp_path, timedelta(days=20))
    old_theirs = fake_backup(tmp_path, timedelta(days=30))
    recent = fake_backup(tmp_path, timedelta(days=1))
    record(old_here, host="shop-server-1", age=timedelta(days=20))
    record(old_theirs, host="shop-server-2", age=timedelta(days=30))
    record(recent, host="shop-server-2", age=timedelta(days=1))
    gone_by_hand = record(tmp_path / "aftercare-20200101-000000.sqlite3", host="shop-server-3", age=timedelta(days=40))

    backup_prune(directory=tmp_path, keep_days=14)

    assert not old_here.exists() and not old_theirs.exists() and recent.exists()
    assert list(BackupRecord.objects.filter(pruned_at=None).values_list("path", flat=True)) == [str(recent)]
    assert BackupRecord.objects.get(pk=gone_by_hand.pk).pruned_at is not None
    assert [b["path"] for b in backup.backup_overview()] == [str(recent)]


@committed
def test_a_backup_made_by_the_task_is_recorded_and_the_restore_drill_finds_counts_equal(tmp_path, settings, shop_rows):
    settings.BACKUP_DIR = tmp_path
    backup_create(directory=tmp_path)

    drill = backup.restore_drill()

    assert BackupRecord.objects.get().host
    assert drill.ok and drill.message == "" and drill.rows > 0
    assert RestoreDrill.objects.get().ok


@committed
def test_a_restore_drill_of_a_damaged_backup_is_recorded_as_failed(tmp_path, settings, shop_rows):
    settings.BACKUP_DIR = tmp_path
    path = backup_create(directory=tmp_path)
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")

    drill = backup.restore_drill()

    assert not drill.ok and "sha256" in drill.message


def test_several_machines_without_a_shared_backup_dir_fail_the_system_check(settings):
    from aftercare.core.checks import backup_storage_check

    settings.AFTERCARE_MACHINES = 3
    settings.BACKUP_DIR_SHARED = False
    assert [e.id for e in backup_storage_check(None)] == ["aftercare.E102"]
    settings.BACKUP_DIR_SHARED = True
    assert backup_storage_check(None) == []
