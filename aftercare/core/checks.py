"""System checks run at every start (`manage.py` commands, the web server, workers)."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def backup_storage_check(app_configs, **kwargs):
    """Several machines run workers, and any of them may take the backup job: the backups must
    land on storage they all share, or the list, pruning and the restore drill would each see only
    one machine's files (docs/OPERATIONS.md, "Backups")."""
    errors = []
    if not settings.BACKUP_DIR.is_absolute():
        errors.append(Error("BACKUP_DIR must be an absolute path.", id="aftercare.E101"))
    if settings.AFTERCARE_MACHINES > 1 and not settings.BACKUP_DIR_SHARED:
        errors.append(
            Error(
                f"AFTERCARE_MACHINES is {settings.AFTERCARE_MACHINES} but BACKUP_DIR ({settings.BACKUP_DIR}) "
                "is not declared shared.",
                hint="Mount one shared directory (NFS/SMB) at the same BACKUP_DIR on every machine and set "
                "BACKUP_DIR_SHARED=1.",
                id="aftercare.E102",
            )
        )
    return errors
