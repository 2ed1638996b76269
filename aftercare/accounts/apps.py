from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "aftercare.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from aftercare.core.masking import register_field_policy

        from . import signals  # noqa: F401
        from .roles import PERSONAL_FIELDS, visible_field_groups

        # Field-level access by role (docs/DOMAIN.md §24.2): the table is ours, the mechanism core's.
        register_field_policy(personal_fields=PERSONAL_FIELDS, groups_at=visible_field_groups)
