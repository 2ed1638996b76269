from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "aftercare.privacy"
    label = "privacy"
    verbose_name = _("Personal information rights")

    def ready(self) -> None:
        from aftercare.core.audit import personal_data_viewed

        from . import receivers, sections
        from .home import register_cards

        register_cards()
        # Every app's part of a customer's export and erasure (docs/DOMAIN.md §16.5).
        sections.register_all()
        # Pages and the API announce a look at personal data; the access log records it.
        personal_data_viewed.connect(receivers.on_personal_data_viewed, dispatch_uid="privacy_access_log")
