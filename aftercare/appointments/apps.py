from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "aftercare.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()

        # An appointment booked by mistake may be deleted, with its log (docs/DOMAIN.md §24.4).
        from aftercare.core.permissions import Perm
        from aftercare.core.services import register_deletable

        from .models import Appointment

        register_deletable(
            kind="appointment",
            model=Appointment,
            perm=Perm.APPOINTMENT_DELETE,
            list_url="appointments:day",
            label=_("Appointment"),
        )
