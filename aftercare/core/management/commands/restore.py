from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from aftercare.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup file (made by `manage.py backup`) into the configured database, which must be "
        "empty (no tables: a new database, before `migrate`). Checks the file's sha256 first and every "
        "table's row count after, against the backup's manifest. Stop AfterCare while restoring."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The backup file (.sqlite3 or .pgdump) or its .json manifest.")

    def handle(self, *args, file: Path, **options):
        settings_dict = connections["default"].settings_dict
        target = f"{connections['default'].vendor} database {settings_dict['NAME']}"
        try:
            result = backup_restore(path=file)
        except BackupError as exc:
            raise CommandError(f"Restore refused or failed: {exc}") from exc
        self.stdout.write(f"Restored {file} into the {target}.")
        verified = f"Verified: {result['tables']} tables, {result['rows']} rows, all equal to the manifest."
        self.stdout.write(self.style.SUCCESS(verified))
