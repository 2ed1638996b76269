"""The VIC programme (docs/DOMAIN.md §13.3): enrolments with their named specialist, the
store's tier rule, visits at any store of the group, pick-up and return, courtesy cars and
their loans, events with RSVPs, and errands."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store, TimeStampedModel
from aftercare.core.money import PRICE_VALIDATORS
from aftercare.core.querysets import StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .choices import (
    BookingKind,
    BookingStatus,
    ChargeKind,
    EnrolmentSource,
    ErrandKind,
    ErrandStatus,
    EventKind,
    HandoverStage,
    LoanStatus,
    RsvpStatus,
)

USER = settings.AUTH_USER_MODEL
FUEL_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


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


class VicRule(TimeStampedModel):
    """The store's rule for enrolment by loyalty tier: a member card at `tier` or above makes
    the customer a VIC, looked after by `specialist` (docs/DOMAIN.md §13.3)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    tier = models.CharField(_("from tier"), max_length=10)
    specialist = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("VIC specialist"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("VIC tier rule")
        verbose_name_plural = _("VIC tier rules")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.tier}"


class VisitQuerySet(StoreScopedQuerySet):
    pass


class VicVisit(models.Model):
    """A VIC customer's car received at a store (the home store or another of the group): who
    received it, and when the home specialist acknowledged the notice (docs/DOMAIN.md §13.3)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    repair_order = models.OneToOneField(
        RepairOrder, on_delete=models.CASCADE, related_name="vic_visit", verbose_name=_("repair order")
    )
    enrolment = models.ForeignKey(
        VicEnrolment, on_delete=models.PROTECT, related_name="visits", verbose_name=_("VIC enrolment")
    )
    received_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("received by")
    )
    arrived_at = models.DateTimeField(_("arrived at"), default=timezone.now)
    away = models.BooleanField(_("at another store"), default=False)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("VIC visit")
        verbose_name_plural = _("VIC visits")
        ordering = ["-arrived_at", "-id"]
        indexes = [models.Index(fields=["enrolment", "acknowledged_at"], name="vic_visit_to_acknowledge")]

    def __str__(self) -> str:
        return f"VIC visit {self.repair_order_id}"


class Handover(models.Model):
    """One end of a pick-up, a return or a courtesy-car loan: odometer, fuel, damage noted,
    photos, and the customer's signature from the phone (docs/DOMAIN.md §13.3)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    stage = models.CharField(_("stage"), max_length=5, choices=HandoverStage.choices)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), validators=[MaxValueValidator(2_000_000)])
    fuel_level = models.PositiveSmallIntegerField(_("fuel or charge (%)"), validators=FUEL_VALIDATORS)
    damage = models.CharField(_("damage noted"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    # The customer signs on the phone through a portal link (docs/DOMAIN.md §15.2).
    signature = models.TextField(_("signature"), blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_through = models.CharField(_("signed through"), max_length=30, blank=True)
    link = models.ForeignKey("portal.PortalLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} {self.odometer_km} km"

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class HandoverPhoto(models.Model):
    handover = models.ForeignKey(Handover, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(
        _("photo"),
        upload_to="vic-handovers/%Y/%m/",
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp", "heic"])],
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class BookingQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status=BookingStatus.BOOKED)


class PickupBooking(TimeStampedModel):
    """Fetching a VIC customer's car (or bringing it back): address, time window, driver, and
    a handover at each end (docs/DOMAIN.md §13.3)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="+", verbose_name=_("vehicle"))
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=BookingKind.choices, default=BookingKind.PICKUP)
    address = models.CharField(_("address"), max_length=200)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("until"))
    driver = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("driver"))
    status = models.CharField(_("status"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    note = models.CharField(_("note"), max_length=300, blank=True)
    # At the customer's door (the car leaves the customer) and at the store (it arrives).
    at_customer = models.OneToOneField(Handover, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at_store = models.OneToOneField(Handover, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("pick-up or return")
        verbose_name_plural = _("pick-ups and returns")
        ordering = ["window_start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(window_end__gt=F("window_start")), name="vic_booking_window"),
        ]
        indexes = [models.Index(fields=["store", "status", "window_start"], name="vic_booking_open")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}"


class CourtesyCar(TimeStampedModel):
    """One car of the store's courtesy fleet (代步车)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    plate = models.CharField(_("plate"), max_length=12)
    model = models.CharField(_("model"), max_length=50)
    odometer_km = models.PositiveIntegerField(_("odometer (km)"), default=0)
    is_active = models.BooleanField(_("in service"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("courtesy car")
        verbose_name_plural = _("courtesy cars")
        ordering = ["store_id", "plate"]
        constraints = [models.UniqueConstraint(fields=["store", "plate"], name="vic_courtesy_plate_per_store")]

    def __str__(self) -> str:
        return f"{self.plate} {self.model}"


class LoanQuerySet(StoreScopedQuerySet):
    def open(self):
        return self.filter(status__in=(LoanStatus.BOOKED, LoanStatus.OUT))


class CourtesyLoan(TimeStampedModel):
    """A courtesy car lent for the time of a repair. Two loans of one car never overlap: the
    service checks under the car's lock, and PostgreSQL's exclusion constraint
    `vic_loan_no_overlap` (migration 0002) refuses what slips past (docs/DOMAIN.md §13.3)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    car = models.ForeignKey(CourtesyCar, on_delete=models.PROTECT, related_name="loans", verbose_name=_("car"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    repair_order = models.ForeignKey(
        RepairOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("repair order")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    status = models.CharField(_("status"), max_length=10, choices=LoanStatus.choices, default=LoanStatus.BOOKED)
    handed_out = models.OneToOneField(Handover, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    returned = models.OneToOneField(Handover, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    objects = LoanQuerySet.as_manager()

    class Meta:
        verbose_name = _("courtesy car loan")
        verbose_name_plural = _("courtesy car loans")
        ordering = ["starts_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="vic_loan_period")]
        indexes = [models.Index(fields=["car", "starts_at"], name="vic_loan_car")]

    def __str__(self) -> str:
        return f"{self.car} {self.starts_at:%Y-%m-%d}"

    @property
    def km_driven(self) -> int | None:
        if self.handed_out and self.returned:
            return max(self.returned.odometer_km - self.handed_out.odometer_km, 0)
        return None


class LoanCharge(models.Model):
    """A fine or damage recorded against a loan, with what it costs."""

    loan = models.ForeignKey(CourtesyLoan, on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(_("kind"), max_length=10, choices=ChargeKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, validators=PRICE_VALIDATORS)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class VicEvent(TimeStampedModel):
    """A gathering for VIC customers (golf, a tasting, a car-care class): invitations go
    through the messaging door, answers come from the phone, attendance is checked in."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    kind = models.CharField(_("kind"), max_length=10, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=100)
    venue = models.CharField(_("venue"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    capacity = models.PositiveSmallIntegerField(_("places"), validators=[MaxValueValidator(2000)], default=30)
    cost = models.DecimalField(
        _("cost"), max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=PRICE_VALIDATORS
    )
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("VIC event")
        verbose_name_plural = _("VIC events")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class InvitationQuerySet(StoreScopedQuerySet):
    store_lookup = "event__store"


class Invitation(models.Model):
    """One customer invited to an event, the answer from the phone (with at most one guest)
    and who came."""

    event = models.ForeignKey(VicEvent, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    status = models.CharField(_("answer"), max_length=10, choices=RsvpStatus.choices, default=RsvpStatus.INVITED)
    guests = models.PositiveSmallIntegerField(_("guests"), default=0)
    guest_name = models.CharField(_("guest's name"), max_length=50, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    guest_checked_in = models.BooleanField(_("guest came"), default=False)
    link = models.ForeignKey("portal.PortalLink", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["event_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "customer"], name="vic_one_invitation_per_customer"),
            # At most one guest (docs/DOMAIN.md §13.3).
            models.CheckConstraint(condition=Q(guests__lte=1), name="vic_invitation_one_guest"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"


class ErrandQuerySet(StoreScopedQuerySet):
    pass


class Errand(TimeStampedModel):
    """An errand run for a VIC customer (annual inspection, insurance renewal, paying fines),
    tracked from request to done, with the fee it cost."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ErrandKind.choices)
    status = models.CharField(_("status"), max_length=12, choices=ErrandStatus.choices, default=ErrandStatus.OPEN)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    assigned_to = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("assigned to"))
    fee = models.DecimalField(
        _("fee"), max_digits=10, decimal_places=2, default=Decimal("0.00"), validators=PRICE_VALIDATORS
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    objects = ErrandQuerySet.as_manager()

    class Meta:
        verbose_name = _("errand")
        verbose_name_plural = _("errands")
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["store", "status", "due_on"], name="vic_errand_open")]

    def __str__(self) -> str:
        return self.get_kind_display()


class ErrandChange(models.Model):
    """The history of an errand's status (core.workflow)."""

    errand = models.ForeignKey(Errand, on_delete=models.CASCADE, related_name="history")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    changed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
