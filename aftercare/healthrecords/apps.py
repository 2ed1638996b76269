from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthRecordsConfig(AppConfig):
    name = "aftercare.healthrecords"
    label = "healthrecords"
    verbose_name = _("Electronic vehicle health records")

    def ready(self):
        from aftercare.service.choices import Status
        from aftercare.service.services import register_transition_guard, repair_order_status_changed

        from . import receivers
        from .services import settlement_guard

        # A settlement missing one of the 13 elements is refused (docs/DOMAIN.md §23.2):
        # registered like billing's SETTLED guards, so billing never imports this app.
        register_transition_guard(Status.SETTLED, settlement_guard)
        # The record is taken when the order settles (docs/DOMAIN.md §23.1).
        repair_order_status_changed.connect(receivers.on_repair_order_status_changed, dispatch_uid="healthrecords_ro")
