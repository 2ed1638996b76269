from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VicConfig(AppConfig):
    name = "aftercare.vic"
    label = "vic"
    verbose_name = _("VIC programme")
