from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "aftercare.loyalty"
    label = "loyalty"
    verbose_name = _("Member cards and stored value")

    def ready(self):
        from aftercare.billing.choices import PaymentMethod
        from aftercare.billing.services import register_payment_method
        from aftercare.service.selectors import register_line_mark
        from aftercare.service.services import repair_order_status_changed

        from . import receivers
        from .selectors import package_line_marks
        from .services import CouponMethod, PackageCardMethod, StoredValueMethod

        # Billing takes a stored-value payment only through this handler: the
        # card is debited in the payment's own transaction (loyalty imports
        # billing, never the reverse; docs/ARCHITECTURE.md).
        register_payment_method(PaymentMethod.STORED_VALUE, StoredValueMethod())
        register_payment_method(PaymentMethod.PACKAGE_CARD, PackageCardMethod())
        register_payment_method(PaymentMethod.COUPON, CouponMethod())
        # A line a package card covers shows "套餐卡抵扣" on the spine's estimate and billing's statement.
        register_line_mark(package_line_marks)
        # Points are earned when an order settles (paid in full).
        repair_order_status_changed.connect(receivers.on_repair_order_status_changed, dispatch_uid="loyalty_ro")
