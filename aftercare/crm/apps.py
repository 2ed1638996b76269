from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "aftercare.crm"
    label = "crm"
    verbose_name = _("Customer retention")

    def ready(self) -> None:
        from aftercare.service.selectors import register_order_panel

        # The recommendations at the estimate (docs/DOMAIN.md §11.7): the spine never imports crm.
        register_order_panel("crm/_recommendations_loader.html")
