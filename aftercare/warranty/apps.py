from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WarrantyConfig(AppConfig):
    name = "aftercare.warranty"
    label = "warranty"
    verbose_name = _("Warranty")

    def ready(self) -> None:
        from aftercare.core.services import register_delete_veto
        from aftercare.service.choices import Status
        from aftercare.service.selectors import register_line_mark
        from aftercare.service.services import register_transition_guard

        from . import guards
        from .home import register_cards

        register_cards()
        # An ineligible warranty line needs an approved override before the order is settled
        # (docs/DOMAIN.md §14.2); the spine never imports this app.
        register_transition_guard(Status.SETTLED, guards.override_missing)
        register_line_mark(guards.line_marks)
        register_delete_veto("service.repairorder", guards.delete_veto)
