from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The adapters register themselves on import (providers.register_adapter).
ADAPTER_MODULES = ("email", "sandbox", "aliyun_sms", "tencent_sms", "wechat_mp")


class MessagingConfig(AppConfig):
    name = "aftercare.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from . import home

        home.register_cards()
        for name in ADAPTER_MODULES:
            module = f"{self.name}.providers.{name}"
            try:
                import_module(module)
            except ModuleNotFoundError as exc:  # an adapter not installed on this branch
                if exc.name != module:
                    raise
