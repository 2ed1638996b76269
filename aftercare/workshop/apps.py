from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopConfig(AppConfig):
    name = "aftercare.workshop"
    label = "workshop"
    verbose_name = _("Workshop")

    def ready(self) -> None:
        from aftercare.service.choices import Status
        from aftercare.service.services import register_transition_guard

        from .services import ready_needs_passed_quality_check

        # The workshop owns the condition of `ready`: the final inspection has passed.
        register_transition_guard(Status.READY, ready_needs_passed_quality_check)
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()
