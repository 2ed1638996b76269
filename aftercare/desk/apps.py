from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "aftercare.desk"
    label = "desk"
    verbose_name = _("Service desk")

    def ready(self) -> None:
        # The home page's cards (docs/DOMAIN.md §22) and the retention engine's "lost" signal
        # (docs/DOMAIN.md §25.5). Nothing here loads jieba's dictionary: searching does, once.
        from . import receivers  # noqa: F401
        from .home import register_cards

        register_cards()
