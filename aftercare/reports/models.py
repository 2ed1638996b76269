"""The manager's KPI targets per store (docs/DOMAIN.md §10.2), defaults in code."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store

PCT = [MaxValueValidator(100)]


class KpiTargets(models.Model):
    """A store's targets, in percent. A store without a row uses the defaults."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    followup_coverage_pct = models.PositiveSmallIntegerField(
        _("follow-up coverage target %"), default=95, validators=PCT
    )
    satisfaction_pct = models.PositiveSmallIntegerField(_("satisfaction target %"), default=90, validators=PCT)
    complaint_resolution_pct = models.PositiveSmallIntegerField(
        _("complaint resolution target %"), default=98, validators=PCT
    )
    complaint_on_time_pct = models.PositiveSmallIntegerField(
        _("complaint deadlines met target %"), default=95, validators=PCT
    )

    class Meta:
        verbose_name = _("KPI targets")
        verbose_name_plural = _("KPI targets")

    def __str__(self) -> str:
        return f"KPI targets · {self.store_id}"

    @classmethod
    def for_stores(cls, store_ids) -> "KpiTargets":
        """One store's own targets; several stores are measured against the defaults."""
        store_ids = list(store_ids)
        if len(store_ids) == 1:
            row = cls.objects.filter(store_id=store_ids[0]).first()
            if row is not None:
                return row
        return cls()
