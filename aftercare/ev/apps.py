from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvConfig(AppConfig):
    name = "aftercare.ev"
    label = "ev"
    verbose_name = _("Electric vehicles")

    def ready(self) -> None:
        from aftercare.service.selectors import register_line_mark

        from . import selectors

        # A line that does not fit the vehicle's powertrain (an oil service on a BEV) is marked on
        # the estimate, the order's page and the statement (docs/DOMAIN.md §17.1); the spine never imports us.
        register_line_mark(selectors.powertrain_line_marks)
