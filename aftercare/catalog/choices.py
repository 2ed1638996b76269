"""Choices of the service catalogue. Powertrain lives here because operations and
inspection items depend on it; the customers app reuses it for vehicles."""

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "AnswerType", "BayCapability", "BillsTo", "InspectionArea", "Powertrain", "SiteKind", "SurveyDimension",
]  # fmt: skip


class Powertrain(models.TextChoices):
    ICE = "ICE", _("Petrol / diesel")
    HEV = "HEV", _("Hybrid")
    PHEV = "PHEV", _("Plug-in hybrid")
    BEV = "BEV", _("Battery electric")


class BillsTo(models.TextChoices):
    """Who pays for work of a repair type (修理种类): the settlement splits by it."""

    CUSTOMER = "customer", _("Customer")
    WARRANTY = "warranty", _("Warranty (carmaker)")
    INTERNAL = "internal", _("Internal")
    INSURER = "insurer", _("Insurer")


class BayCapability(models.TextChoices):
    LIFT = "lift", _("Lift")
    ALIGNMENT = "alignment", _("Wheel alignment")
    PAINT_BOOTH = "paint_booth", _("Paint booth")
    EV_HIGH_VOLTAGE = "ev_hv", _("EV high-voltage")


class InspectionArea(models.TextChoices):
    EXTERIOR = "exterior", _("Exterior")
    INTERIOR = "interior", _("Interior")
    ENGINE_BAY = "engine_bay", _("Engine bay")
    TYRES_BRAKES = "tyres_brakes", _("Tyres and brakes")
    CHASSIS = "chassis", _("Chassis")
    ELECTRICAL = "electrical", _("Electrical")
    HIGH_VOLTAGE = "high_voltage", _("High-voltage system")


class SurveyDimension(models.TextChoices):
    """The dimensions of the follow-up survey (docs/DOMAIN.md §9.1)."""

    RESPONSE_SPEED = "response_speed", _("Response speed")
    REPAIR_QUALITY = "repair_quality", _("Repair quality")
    PARTS_SUPPLY = "parts_supply", _("Parts supply")
    CONSULTING = "consulting", _("Consulting")
    ENVIRONMENT = "environment", _("Environment")
    STAFF = "staff", _("Staff")
    WAITING_TIME = "waiting_time", _("Waiting time")
    PRICE_TRANSPARENCY = "price_transparency", _("Price transparency")


class AnswerType(models.TextChoices):
    SCORE = "score", _("Score 1-5")
    YES_NO = "yes_no", _("Yes / no")
    TEXT = "text", _("Free text")


class SiteKind(models.TextChoices):
    """Work done at the customer's address rather than in a bay (docs/DOMAIN.md §17.9)."""

    HOME = "home", _("Home or mobile service")
    WALLBOX = "wallbox", _("Wall-box installation")
    CHARGER_REPAIR = "charger_repair", _("Charger repair")


# Owners who may be offered site work: plug-in cars (docs/DOMAIN.md §17.9).
PLUG_IN_POWERTRAINS = (Powertrain.PHEV, Powertrain.BEV)
