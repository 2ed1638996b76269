from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "aftercare.complaints"
    label = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()

        # A complaint recorded by mistake (a duplicate, the wrong customer) may be deleted,
        # with its log (docs/DOMAIN.md §24.4).
        from aftercare.core.permissions import Perm
        from aftercare.core.services import register_deletable

        from .models import Complaint

        register_deletable(
            kind="complaint",
            model=Complaint,
            perm=Perm.COMPLAINT_DELETE,
            list_url="complaints:list",
            label=_("Complaint"),
        )
