from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopConfig(AppConfig):
    name = "aftercare.workshop"
    label = "workshop"
    verbose_name = _("Workshop")

    def ready(self) -> None:
        from aftercare.service.choices import Status
        from aftercare.service.services import TRANSITION_GUARDS, register_transition_guard

        from .services import ready_needs_passed_quality_check

        # ready() can run more than once (tests, autoreload): register the guard once.
        if ready_needs_passed_quality_check not in TRANSITION_GUARDS.get(Status.READY, []):
            register_transition_guard(Status.READY, ready_needs_passed_quality_check)
