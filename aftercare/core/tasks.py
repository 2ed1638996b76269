"""Background tasks of core. Tasks take ids and call services."""

from django.contrib.auth import get_user_model
from django_tasks import task

from . import backup
from .maintenance import database_analyze


@task()
def run_backup(actor_id: int | None = None) -> str:
    """The scheduled daily backup (and the admin's "back up now")."""
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    path = backup.backup_create(actor=actor)
    backup.backup_prune()
    return str(path)


@task()
def analyze_database() -> None:
    """Nightly: refresh the planner statistics the search indexes depend on."""
    database_analyze()
