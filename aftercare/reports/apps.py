import importlib

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The modules whose reports register themselves with reports.framework.register.
REPORT_MODULES = ("aftercare.reports.daily", "aftercare.reports.monthly", "aftercare.reports.abc")


class ReportsConfig(AppConfig):
    name = "aftercare.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from . import signals

        signals.connect()
        for module in REPORT_MODULES:
            importlib.import_module(module)
