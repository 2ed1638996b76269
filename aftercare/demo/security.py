"""Demo data of sign-in security and document deletion (docs/DOMAIN.md §24): two-factor sign-in
on for the demo administrator and manager with the published demo secret (README), and a
repair order opened by mistake, deleted with its reason, in the deletion log."""

from django.core.exceptions import ValidationError
from django_otp.plugins.otp_totp.models import TOTPDevice

from aftercare.accounts.models import User
from aftercare.accounts.roles import TWO_FACTOR_ROLES
from aftercare.accounts.twofactor import DEMO_TOTP_KEY, TOTP_NAME
from aftercare.core.permissions import Perm
from aftercare.core.services import document_delete
from aftercare.customers.models import Vehicle
from aftercare.service.services import repair_order_open


def seed_security(stores) -> None:
    # Every demo user whose role requires two factors (admin, manager, their second-store twins).
    users = list(User.objects.filter(memberships__role__in=TWO_FACTOR_ROLES).distinct())
    TOTPDevice.objects.filter(user__in=users).delete()
    TOTPDevice.objects.bulk_create(
        [TOTPDevice(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True) for user in users]
    )
    manager = User.objects.filter(username="manager").first()
    store = stores[0] if stores else None
    if manager is None or store is None:
        return
    for vehicle in Vehicle.objects.filter(store=store).order_by("-id")[:20]:
        try:
            mistaken = repair_order_open(actor=manager, store=store, vehicle=vehicle, customer_statement="开错车辆")
        except ValidationError:
            continue  # this car has an order open already
        document_delete(actor=manager, obj=mistaken, perm=Perm.REPAIR_ORDER_DELETE, reason="选错车辆，重复开单")
        return
