from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "aftercare.billing"
    label = "billing"
    verbose_name = _("Settlement and delivery")

    def ready(self):
        from aftercare.service.choices import Status
        from aftercare.service.services import (
            register_net_paid_reader,
            register_transition_effect,
            register_transition_guard,
        )

        from .selectors import order_paid
        from .services import allowances_release, cancel_guard, delivery_guard, delivery_signed_guard, settle_guard

        # Billing owns the money conditions of the last two moves of the spine,
        # and of a cancellation: not while the order holds the customer's money.
        register_transition_guard(Status.SETTLED, settle_guard)
        register_transition_guard(Status.DELIVERED, delivery_guard)
        register_transition_guard(Status.DELIVERED, delivery_signed_guard)
        register_transition_guard(Status.CANCELLED, cancel_guard)
        # ...and cancelling gives back the coupons and package uses it took.
        register_transition_effect(Status.CANCELLED, allowances_release)
        # What the spine's discount is checked against (the balance, not the total).
        register_net_paid_reader(order_paid)
        # An order that holds money documents is never deleted (docs/DOMAIN.md §24.4).
        from aftercare.core.services import register_delete_veto

        from .services import delete_veto

        register_delete_veto("service.repairorder", delete_veto)
        from .home import register_cards

        # The home page's cards of the work this app owns (docs/DOMAIN.md §22).
        register_cards()
