from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "aftercare.service"
    label = "service"
    verbose_name = _("Service process")

    def ready(self) -> None:
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()

        # A repair order opened by mistake may be deleted, with its log (docs/DOMAIN.md §24.4);
        # one that reached settlement is a money document's subject and stays.
        from aftercare.core.permissions import Perm
        from aftercare.core.services import register_deletable, register_delete_veto

        from .models import RepairOrder

        register_deletable(
            kind="repair_order",
            model=RepairOrder,
            perm=Perm.REPAIR_ORDER_DELETE,
            list_url="service:repair_order_list",
            label=_("Repair order"),
        )
        register_delete_veto("service.repairorder", _settled_veto)


def _settled_veto(order) -> str:
    from .choices import Status

    if order.status in (Status.SETTLED, Status.DELIVERED):
        return _("The order was settled; void or reverse its money documents instead.")
    return ""
