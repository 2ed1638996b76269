from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "aftercare.portal"
    label = "portal"
    verbose_name = _("Customer's phone")

    def ready(self):
        from aftercare.service.services import register_customer_link

        from .services import notice_link

        # "Additional work waits" and "your car is ready" carry the customer's phone link.
        register_customer_link(notice_link)
