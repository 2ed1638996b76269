"""Links to the customer's phone (docs/DOMAIN.md §15.2): no account and no login, the
link is the key. Only a hash of its token is stored."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.appointments.models import Appointment
from aftercare.core.models import Store
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from .choices import Purpose


class PortalLinkQuerySet(StoreScopedQuerySet):
    store_lookup = "store"

    def usable(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class PortalLink(models.Model):
    """One customer's link for one purpose, about one repair order or appointment when
    the purpose needs it. The token is shown once when the link is issued; the row keeps
    its SHA-256 only, so a copy of the database opens nothing. Expires, can be revoked,
    and records when it was last used."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_links")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("appointment")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    uses = models.PositiveIntegerField(_("opened"), default=0)

    objects = PortalLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="portal_link_customer")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} #{self.pk}"

    @property
    def reference(self) -> str:
        """How a decision records the link it was made through."""
        return f"portal:{self.pk}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now
