"""Choices and numbers of the EV app (docs/DOMAIN.md §17)."""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

# docs/DOMAIN.md §17.3: the battery needs a service check below 80 % SOH; the warranty's threshold is the
# battery coverage's own when its policy states one, else 70 %.
SERVICE_THRESHOLD = Decimal("80")
WARRANTY_THRESHOLD = Decimal("70")
# docs/DOMAIN.md §17.4: the care specialist's list looks this far ahead.
FORECAST_HORIZON_DAYS = 183
# docs/DOMAIN.md §17.2: a high share of DC fast charging gets advice.
HIGH_DC_SHARE = Decimal("60")
DEEP_DISCHARGE = Decimal("80")


class Controller(models.TextChoices):
    BMS = "BMS", _("Battery management (BMS)")
    VCU = "VCU", _("Vehicle control unit (VCU)")
    MCU = "MCU", _("Motor control unit (MCU)")
    INFOTAINMENT = "IVI", _("Infotainment")


class UpdateChannel(models.TextChoices):
    OTA = "ota", _("Over the air")
    STORE = "store", _("In the store")


class DtcStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared")


class ReadingSource(models.TextChoices):
    IMPORT = "import", _("Imported file")
    RECEPTION = "reception", _("Diagnostic tool at reception")
    API = "api", _("API")


class ForecastStatus(models.TextChoices):
    FORECAST = "forecast", _("Forecast")
    STABLE = "stable", _("No measurable decline")
    NOT_ENOUGH = "not_enough", _("Not enough data")
