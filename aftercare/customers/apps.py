from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "aftercare.customers"
    label = "customers"
    verbose_name = _("Customers and vehicles")

    def ready(self):
        from . import lookups  # noqa: F401  (registers the __prefix lookup)
