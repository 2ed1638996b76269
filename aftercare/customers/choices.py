from django.db import models
from django.utils.translation import gettext_lazy as _

# Vehicles use the catalogue's powertrains; re-exported for the customers app.
from aftercare.catalog.choices import Powertrain  # noqa: F401


class CustomerKind(models.TextChoices):
    PERSON = "person", _("Person")
    COMPANY = "company", _("Company")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")


class CustomerSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    SALES = "sales", _("Vehicle sales")
    REFERRAL = "referral", _("Referral")
    ONLINE = "online", _("Online")
    INSURER = "insurer", _("Insurer")
    IMPORT = "import", _("Imported")


class Preference(models.TextChoices):
    OEM_ONLY = "oem_only", _("OEM parts only")
    ECO = "eco", _("Eco-friendly products")
    PRICE_SENSITIVE = "price_sensitive", _("Price-sensitive")
    WAITS_IN_STORE = "waits", _("Waits in the store")
    PICKUP = "pickup", _("Prefers pick-up and delivery")


class PlateKind(models.TextChoices):
    STANDARD = "standard", _("Mainland plate")
    FOREIGN = "foreign", _("Foreign plate")
    TEMPORARY = "temporary", _("Temporary plate")


class ABCClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class OdometerSource(models.TextChoices):
    RECEPTION = "reception", _("Reception")
    MANUAL = "manual", _("Entered by staff")
    IMPORT = "import", _("Import")
    CORRECTION = "correction", _("Correction")


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("Service notices")
    MARKETING_SMS = "marketing_sms", _("Marketing by SMS")
    MARKETING_WECHAT = "marketing_wechat", _("Marketing by WeChat")
    MARKETING_PHONE = "marketing_phone", _("Marketing by phone")
    MARKETING_EMAIL = "marketing_email", _("Marketing by email")
    SHARE_OEM = "share_oem", _("Sharing with the carmaker")
    SHARE_INSURER = "share_insurer", _("Sharing with insurers")


class ConsentChannel(models.TextChoices):
    PAPER = "paper", _("Signed form")
    IN_STORE = "in_store", _("In store")
    PHONE = "phone", _("Phone call")
    WECHAT = "wechat", _("WeChat")
    WEB = "web", _("Web link")
    IMPORT = "import", _("Import")
