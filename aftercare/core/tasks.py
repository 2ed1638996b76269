"""Background tasks of core. Tasks take ids and call services."""

from django.contrib.auth import get_user_model

from . import backup
from .background import background_task, prune_task_results
from .maintenance import database_analyze


# Idempotent: a second run makes one more backup, which pruning clears away.
@background_task(idempotent=True, max_run_minutes=60, retries=2, backoff_seconds=300)
def run_backup(actor_id: int | None = None) -> str:
    """The scheduled daily backup (and the admin's "back up now")."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    path = backup.backup_create(actor=actor)
    backup.backup_prune()
    return str(path)


@background_task(idempotent=True, max_run_minutes=30)
def analyze_database() -> None:
    """Nightly: refresh the planner statistics the search indexes depend on."""
    database_analyze()


@background_task(idempotent=True, max_run_minutes=30)
def prune_finished_tasks() -> int:
    """Daily: finished task results older than TASK_RESULT_KEEP_DAYS, so the table stops growing."""
    return prune_task_results()


@background_task(idempotent=True, max_run_minutes=60, retries=2, backoff_seconds=600)
def run_restore_drill() -> bool | None:
    """Monthly: restore the newest backup into a scratch database and compare the row counts."""
    drill = backup.restore_drill()
    if drill is not None and not drill.ok:
        from .background import alert

        alert(f"Restore drill of {drill.backup_name} failed", drill.message)
    return None if drill is None else drill.ok
