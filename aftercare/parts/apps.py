from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "aftercare.parts"
    label = "parts"
    verbose_name = _("Parts and inventory")

    def ready(self) -> None:
        from aftercare.service.services import repair_order_line_decided, repair_order_status_changed

        from . import receivers
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()

        # An order whose parts were issued from stock is never deleted (docs/DOMAIN.md §24.4).
        from aftercare.core.services import register_delete_veto

        from .selectors import delete_veto

        register_delete_veto("service.repairorder", delete_veto)

        # Approval reserves an order's part lines; cancellation releases them (docs/DOMAIN.md §12.1).
        repair_order_status_changed.connect(receivers.on_repair_order_status_changed, dispatch_uid="parts_ro")
        # Additional work approved on an order already under way reserves its parts at once.
        repair_order_line_decided.connect(receivers.on_repair_order_line_decided, dispatch_uid="parts_ro_line")
