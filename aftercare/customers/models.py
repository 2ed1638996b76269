"""Customers (客户档案), vehicles (车辆档案) and what hangs off them: owners over
time, odometer readings, class changes, consents, and the search keys."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import ExtractDay, ExtractMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.dates import add_months
from aftercare.core.masking import mask_phone
from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.querysets import StoreScopedQuerySet

from .choices import (
    ABCClass,
    ConsentChannel,
    ConsentPurpose,
    ContactChannel,
    CustomerKind,
    CustomerSource,
    Gender,
    OdometerSource,
    PlateKind,
    Powertrain,
    Preference,
)

# Operator classes for (text column, store id) indexes serving prefix searches:
# PostgreSQL can answer LIKE 'x%' from varchar_pattern_ops whatever the
# database collation; other databases ignore opclasses.
PATTERN_OPS = ["varchar_pattern_ops", "int8_ops"]


class CustomerQuerySet(StoreScopedQuerySet):
    def active(self):
        return self.filter(merged_into__isnull=True)


class Customer(TimeStampedModel):
    """A person or a company that brings vehicles to the store.

    `mobile` is stored normalised (11 digits); `mobile_rev`, `name_pinyin` and
    `name_initials` are derived on save and exist only for the search box.
    """

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="customers", verbose_name=_("store"))
    number = models.CharField(_("customer number"), max_length=20)
    kind = models.CharField(_("type"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.PERSON)
    name = models.CharField(_("name"), max_length=100, help_text=_("Person's name, or the company name."))
    contact_person = models.CharField(_("contact person"), max_length=50, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    wechat_id = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=ContactChannel.choices, default=ContactChannel.PHONE
    )
    preferences = models.JSONField(_("preferences"), default=list, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    assigned_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned advisor"),
    )
    member_card_no = models.CharField(_("member card number"), max_length=30, blank=True)
    abc_class = models.CharField(_("ABC class"), max_length=1, choices=ABCClass.choices, blank=True)
    # Set when this record was merged into another; merged records are kept
    # (history points at them) but hidden from lists and search.
    # Not indexed on its own: almost every row is NULL, and an index over all
    # of them misleads SQLite's planner; `customer_merged_into` below holds
    # only the merged rows.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("merged into"),
        db_index=False,
    )
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)

    # Search columns, derived in save().
    mobile_rev = models.CharField(max_length=11, blank=True, editable=False)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, editable=False)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="customer_number_unique_per_store")]
        indexes = [
            # Prefix searches (see lookups.Prefix): pattern ops so PostgreSQL
            # serves LIKE 'x%' from the index whatever the collation.
            models.Index(fields=["mobile_rev", "store"], name="customer_mobile_rev", opclasses=PATTERN_OPS),
            models.Index(fields=["name", "store"], name="customer_name", opclasses=PATTERN_OPS),
            models.Index(fields=["name_pinyin", "store"], name="customer_pinyin", opclasses=PATTERN_OPS),
            models.Index(fields=["name_initials", "store"], name="customer_initials", opclasses=PATTERN_OPS),
            models.Index(fields=["mobile", "store"], name="customer_mobile"),
            # The nightly churn and holiday-care jobs: only customers whose last
            # visit falls in a window are read, never the whole store.
            models.Index(
                fields=["store", "last_visit_at"], condition=Q(merged_into__isnull=True), name="customer_last_visit"
            ),
            models.Index(fields=["merged_into"], condition=Q(merged_into__isnull=False), name="customer_merged_into"),
            # The nightly birthday rule (docs/DOMAIN.md §11.2): the store's customers born on a month and day.
            models.Index(
                F("store"),
                ExtractMonth("birthday"),
                ExtractDay("birthday"),
                condition=Q(merged_into__isnull=True, birthday__isnull=False),
                name="customer_birthday",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def preference_labels(self) -> list[str]:
        """The customer's preferences in the reader's words (unknown codes left out)."""
        return [Preference(p).label for p in self.preferences if p in Preference.values]

    def save(self, *args, **kwargs):
        from .normalize import name_pinyin, reverse

        self.mobile_rev = reverse(self.mobile)
        self.name_pinyin, self.name_initials = name_pinyin(self.name)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "mobile_rev", "name_pinyin", "name_initials"}
        super().save(*args, **kwargs)

    @property
    def masked_mobile(self) -> str:
        return mask_phone(self.mobile)


class VehicleQuerySet(StoreScopedQuerySet):
    pass


class Vehicle(TimeStampedModel):
    """A vehicle (车辆档案). Its current owner is `owner`; earlier owners are in
    VehicleOwnership. Odometer, class and discount level keep their history."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("store"))
    owner = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("owner"))
    plate = models.CharField(_("plate"), max_length=12, blank=True)
    plate_kind = models.CharField(_("plate type"), max_length=12, choices=PlateKind.choices, default=PlateKind.STANDARD)
    vin = models.CharField(_("VIN"), max_length=17)
    vin_check_digit_waived = models.BooleanField(_("imported vehicle (check digit not verified)"), default=False)
    engine_no = models.CharField(_("engine number"), max_length=30, blank=True)
    brand = models.CharField(_("brand"), max_length=30)
    model = models.CharField(_("model"), max_length=50)
    trim = models.CharField(_("trim"), max_length=80, blank=True)
    powertrain = models.CharField(_("powertrain"), max_length=4, choices=Powertrain.choices, default=Powertrain.ICE)
    color = models.CharField(_("colour"), max_length=20, blank=True)
    purchase_date = models.DateField(_("purchase date"), null=True, blank=True)
    selling_dealer = models.CharField(_("selling dealer"), max_length=100, blank=True)
    maintenance_months = models.PositiveSmallIntegerField(
        _("maintenance every (months)"), default=6, validators=[MaxValueValidator(60)]
    )
    maintenance_km = models.PositiveIntegerField(
        _("maintenance every (km)"), default=5000, validators=[MaxValueValidator(100_000)]
    )
    insurance_expiry = models.DateField(_("insurance expiry"), null=True, blank=True)
    inspection_due = models.DateField(_("annual inspection due"), null=True, blank=True)
    warranty_start = models.DateField(_("warranty start"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    abc_class = models.CharField(_("ABC class"), max_length=1, choices=ABCClass.choices, blank=True)
    discount_level = models.CharField(_("discount level"), max_length=20, blank=True)
    # Denormalised from OdometerReading / repair orders for lists and search results.
    odometer_km = models.PositiveIntegerField(
        _("odometer (km)"), null=True, blank=True, validators=[MaxValueValidator(3_000_000)]
    )
    odometer_at = models.DateTimeField(_("odometer read at"), null=True, blank=True)
    last_visit_at = models.DateTimeField(_("last visit"), null=True, blank=True)
    last_service_at = models.DateField(_("last maintenance"), null=True, blank=True)
    last_service_km = models.PositiveIntegerField(_("km at last maintenance"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Off when scrapped, sold away or moved."))

    # Search column, derived in save(): the VIN read backwards, so "last 6" is a prefix search.
    vin_rev = models.CharField(max_length=17, editable=False)

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["store", "vin"], name="vehicle_vin_unique_per_store"),
            # A plate identifies one vehicle in use; scrapped vehicles give theirs up.
            models.UniqueConstraint(
                fields=["store", "plate"],
                condition=Q(is_active=True) & ~Q(plate=""),
                name="vehicle_plate_unique_in_use",
            ),
        ]
        indexes = [
            models.Index(fields=["vin_rev", "store"], name="vehicle_vin_rev", opclasses=PATTERN_OPS),
            models.Index(fields=["vin"], name="vehicle_vin"),
            models.Index(fields=["plate"], name="vehicle_plate"),
            # The nightly insurance and inspection reminders (docs/DOMAIN.md §11.2): a date window per store.
            models.Index(
                fields=["store", "insurance_expiry"],
                condition=Q(is_active=True, insurance_expiry__isnull=False),
                name="vehicle_insurance_due",
            ),
            models.Index(
                fields=["store", "inspection_due"],
                condition=Q(is_active=True, inspection_due__isnull=False),
                name="vehicle_inspection_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plate or self.vin} {self.brand}{self.model}"

    def save(self, *args, **kwargs):
        self.vin_rev = self.vin[::-1]
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "vin_rev"}
        super().save(*args, **kwargs)

    def next_service_due(self):
        """(date, km) of the next periodic maintenance, from the vehicle's cycle,
        the last maintenance (or purchase) and the current odometer."""
        base_date = self.last_service_at or self.purchase_date
        due_date = add_months(base_date, self.maintenance_months) if base_date else None
        if self.last_service_km is not None:
            due_km = self.last_service_km + self.maintenance_km
        elif self.odometer_km is not None:
            # No maintenance on file: the next round interval above the odometer
            # (5,000 km cycle, 30,500 km read -> 35,000 km).
            due_km = (self.odometer_km // self.maintenance_km + 1) * self.maintenance_km
        else:
            due_km = self.maintenance_km
        return due_date, due_km

    @property
    def in_warranty(self) -> bool:
        return bool(self.warranty_end and self.warranty_end >= timezone.localdate())

    @property
    def warranty_expired(self) -> bool:
        """A warranty end on file that has passed (no end on file is not "expired")."""
        return bool(self.warranty_end and self.warranty_end < timezone.localdate())

    def service_overdue(self) -> bool:
        """The next service is past its date or its km (docs/DOMAIN.md §2.4)."""
        due_date, due_km = self.next_service_due()
        if due_date is not None and due_date < timezone.localdate():
            return True
        return self.odometer_km is not None and self.odometer_km >= due_km


class VehicleOwnership(models.Model):
    """Who owned the vehicle when: a vehicle changes owners, history stays with it."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ownerships")
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(ended_at__isnull=True), name="one_current_owner_per_vehicle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.vehicle_id} → {self.customer_id} ({self.started_at:%Y-%m-%d})"


class OdometerReading(models.Model):
    """A reading of the odometer. A reading below the last one is only accepted
    as an explicit correction with a reason (a typo, a replaced instrument)."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="odometer_readings")
    km = models.PositiveIntegerField(_("km"))
    recorded_at = models.DateTimeField(_("time"), default=timezone.now)
    source = models.CharField(_("source"), max_length=12, choices=OdometerSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    correction_reason = models.CharField(_("correction reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["vehicle", "-recorded_at"], name="odometer_vehicle_time")]

    def __str__(self) -> str:
        return f"{self.km} km"


class ClassChange(models.Model):
    """A change of a vehicle's or customer's ABC class or discount level, kept for
    the class-change and discount-level reports (车辆级别变动, 折扣等级变动; docs/DOMAIN.md §2.5, §18)."""

    class Field(models.TextChoices):
        ABC_CLASS = "abc_class", _("ABC class")
        DISCOUNT_LEVEL = "discount_level", _("Discount level")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, null=True, blank=True, related_name="class_changes")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="class_changes"
    )
    field = models.CharField(_("field"), max_length=20, choices=Field.choices)
    old_value = models.CharField(_("from"), max_length=20, blank=True)
    new_value = models.CharField(_("to"), max_length=20, blank=True)
    changed_at = models.DateTimeField(_("time"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["store", "field", "changed_at"], name="class_change_report")]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class Consent(models.Model):
    """One consent decision (given or withdrawn) for one purpose, as the law asks
    (个人信息保护法): when, how, by which staff, under which notice version.
    Append-only: the latest row per purpose is the customer's current answer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=24, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    channel = models.CharField(_("obtained via"), max_length=12, choices=ConsentChannel.choices)
    notice_version = models.CharField(_("privacy notice version"), max_length=20)
    recorded_at = models.DateTimeField(_("time"), default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["customer", "purpose", "-recorded_at"], name="consent_current")]

    def __str__(self) -> str:
        return f"{self.purpose}: {'yes' if self.granted else 'no'}"


class SearchKey(models.Model):
    """Every suffix (2+ characters) of a vehicle's plate and of a company's name.

    Any fragment a user types is the prefix of one of these suffixes, so
    "12345", "A123" or the last two characters "45" of 粤A12345 are answered by
    an index range scan instead of scanning every plate with LIKE '%...%'.
    Rebuilt by services whenever a plate or company name changes.
    """

    class Kind(models.TextChoices):
        PLATE = "plate"
        COMPANY = "company"

    # No index of its own: the (key, store) index serves every lookup, and a
    # store_id index only tempts SQLite's planner into scanning a whole store.
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=100)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, null=True, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["key", "store"], name="searchkey_key", opclasses=PATTERN_OPS)]

    def __str__(self) -> str:
        return self.key
