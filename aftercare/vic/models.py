"""The VIC programme: enrolments with their named specialist (docs/DOMAIN.md §13.3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer

from .choices import EnrolmentSource


class EnrolmentQuerySet(StoreScopedQuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class VicEnrolment(TimeStampedModel):
    """One customer in the VIC programme of the store that sold the car (the home
    store), with the named VIC specialist (VIC专员) who looks after them. Ended by
    setting `ended_at`; at most one open enrolment per customer (docs/DOMAIN.md §13.3)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("home store"))
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="vic_enrolments", verbose_name=_("customer")
    )
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("VIC specialist")
    )
    source = models.CharField(_("enrolled by"), max_length=10, choices=EnrolmentSource.choices)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("VIC enrolment")
        verbose_name_plural = _("VIC enrolments")
        ordering = ["-enrolled_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(ended_at__isnull=True), name="vic_one_open_enrolment"
            )
        ]
        indexes = [models.Index(fields=["store", "specialist"], name="vic_enrolment_specialist")]

    def __str__(self) -> str:
        return f"VIC {self.customer_id}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None
