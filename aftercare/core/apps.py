from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "aftercare.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_migrate, pre_save
        from django_tasks.signals import task_finished

        from . import checks  # noqa: F401  (registers the system checks)
        from .background import on_task_finished
        from .bounds import bound_on_save
        from .maintenance import database_analyze

        pre_save.connect(bound_on_save, dispatch_uid="core_bound_on_save")
        task_finished.connect(on_task_finished, dispatch_uid="core_retry_or_alert")

        def analyze_after_migrate(sender, using="default", **kwargs):
            # Once per migrate run (sent per app; react to core's only).
            if sender.name == self.name:
                database_analyze()

        post_migrate.connect(analyze_after_migrate, dispatch_uid="core_analyze_after_migrate")
