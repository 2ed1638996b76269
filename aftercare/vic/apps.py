from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VicConfig(AppConfig):
    name = "aftercare.vic"
    label = "vic"
    verbose_name = _("VIC programme")

    def ready(self) -> None:
        # The pages that show a customer, the workshop's and the parts counter's queues and the
        # customer's phone read the VIC programme through these hooks; none of them imports
        # this app (docs/ARCHITECTURE.md, docs/DOMAIN.md §13.3).
        from django.db.models.signals import post_save

        from aftercare.core.marks import PriorityRule, register_customer_badges, register_order_priority
        from aftercare.portal.choices import Purpose
        from aftercare.portal.services import register_link_page
        from aftercare.service.models import RepairOrder

        from . import phone, receivers, selectors
        from .home import register_cards

        register_customer_badges("vic", selectors.badges_for)
        register_order_priority(
            PriorityRule(key="vic", label=_("VIC green channel"), applies=selectors.is_vic_order_q, rank=10)
        )
        post_save.connect(receivers.order_opened, sender=RepairOrder, dispatch_uid="vic_order_opened")
        register_link_page(Purpose.RSVP, phone.rsvp_page)
        register_link_page(Purpose.SIGN, phone.sign_page)
        register_cards()
