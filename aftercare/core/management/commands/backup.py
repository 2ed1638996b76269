from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftercare.core.backup import BackupError, backup_create, backup_prune, read_manifest


class Command(BaseCommand):
    help = (
        "Back up the whole database (a consistent copy, safe while AfterCare keeps running) with a manifest "
        "of row counts, then delete backups older than BACKUP_KEEP_DAYS (the newest one is always kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            dest="directory",
            metavar="DIR",
            type=Path,
            default=None,
            help=f"Folder to write the backup to (default: BACKUP_DIR, now {settings.BACKUP_DIR}).",
        )

    def handle(self, *args, directory: Path | None, verbosity: int, **options):
        try:
            path = backup_create(directory=directory)
        except BackupError as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        manifest = read_manifest(path)
        tables: dict[str, int] = manifest["tables"]
        self.stdout.write(str(path))
        self.stdout.write(
            f"{manifest['engine']}: {len(tables)} tables, {sum(tables.values())} rows, "
            f"{manifest['size']} bytes, sha256 {manifest['sha256']}"
        )
        # The biggest tables by default, every table with -v 2: enough to see at a glance
        # that the backup holds the shop's data and not an empty database.
        shown = sorted(tables.items(), key=lambda item: (-item[1], item[0]))
        if verbosity < 2:
            shown = [item for item in shown if item[1]][:10]
        for table, count in shown:
            self.stdout.write(f"  {table:<40} {count:>10}")
        for deleted in backup_prune(directory=directory):
            self.stdout.write(f"deleted old backup file {deleted}")
