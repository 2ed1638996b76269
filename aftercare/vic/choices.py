"""Choices of the VIC programme (docs/DOMAIN.md §13.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EnrolmentSource(models.TextChoices):
    TIER = "tier", _("Loyalty tier")
    MANAGER = "manager", _("Manager's decision")
