"""The retention engine's rows: per-store settings, each customer's computed
segment (lifecycle stage and value tier) with its history, the retention rules
and every firing of a rule (docs/DOMAIN.md §11)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.customers.models import Customer, Vehicle
from aftercare.loyalty.models import Coupon, CouponTemplate
from aftercare.service.models import RepairOrder

from .choices import AttributionRule, CampaignKind, DeclineReason, Dimension, FiringState, Outcome, Stage, Tier, Trigger

ZERO = Decimal("0.00")


class CrmSettings(models.Model):
    """A store's retention thresholds (docs/DOMAIN.md §11.1), the seed's numbers
    by default. Saving them makes the next nightly run a full one."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="crm_settings", primary_key=True)
    new_months = models.PositiveSmallIntegerField(
        _("new: first visit within (months)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    at_risk_months = models.PositiveSmallIntegerField(
        _("at risk: no visit for more than (months)"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )  # fmt: skip
    lost_months = models.PositiveSmallIntegerField(
        _("lost: no visit for more than (months)"), default=6, validators=[MinValueValidator(2), MaxValueValidator(60)]
    )
    spend_months = models.PositiveSmallIntegerField(
        _("spend counted over (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    high_value_spend = models.DecimalField(
        _("high value: spend above"), max_digits=12, decimal_places=2, default=Decimal("10000.00"),
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    class_a_spend = models.DecimalField(
        _("class A: spend from"), max_digits=12, decimal_places=2, default=Decimal("10000.00"),
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    class_a_visits = models.PositiveSmallIntegerField(_("class A: or visits from"), default=4)
    class_b_spend = models.DecimalField(
        _("class B: spend from"), max_digits=12, decimal_places=2, default=Decimal("3000.00"),
        validators=[MinValueValidator(ZERO)],
    )  # fmt: skip
    class_b_visits = models.PositiveSmallIntegerField(_("class B: or visits from"), default=2)
    default_km_per_day = models.PositiveSmallIntegerField(
        _("default km per day"), default=40, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    # A vehicle without its own cycle or mileage: first visit + every N months (docs/DOMAIN.md §11.5).
    first_cycle_months = models.PositiveSmallIntegerField(
        _("no own cycle: maintenance every (months) from the first visit"), default=3,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
    )  # fmt: skip
    # When the last nightly run finished: the next one reads only what changed since.
    segments_run_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("retention settings")
        verbose_name_plural = _("retention settings")

    def __str__(self) -> str:
        return str(self.store)

    @classmethod
    def for_store(cls, store) -> "CrmSettings":
        found, _created = cls.objects.get_or_create(store_id=store.pk if hasattr(store, "pk") else store)
        return found


class ProfileQuerySet(StoreScopedQuerySet):
    pass


class CustomerProfile(models.Model):
    """One customer's computed segment, kept by the nightly run (docs/DOMAIN.md §11.1).
    Exists once the customer has visited; every change of stage or tier is a SegmentChange."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="crm_profile", primary_key=True, verbose_name=_("customer")
    )
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    stage = models.CharField(_("lifecycle stage"), max_length=10, choices=Stage.choices, blank=True, default="")
    stage_since = models.DateTimeField(_("stage since"), null=True, blank=True)
    tier = models.CharField(_("value tier"), max_length=10, choices=Tier.choices, default=Tier.ORDINARY)
    tier_since = models.DateTimeField(_("tier since"), null=True, blank=True)
    first_visit_at = models.DateTimeField(_("first visit"), null=True, blank=True)
    spend = models.DecimalField(_("spend (12 months)"), max_digits=14, decimal_places=2, default=ZERO)
    visits = models.PositiveIntegerField(_("visits (12 months)"), default=0)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer segment")
        verbose_name_plural = _("customer segments")
        indexes = [
            models.Index(fields=["store", "stage"], name="crm_profile_stage"),
            models.Index(fields=["store", "tier"], name="crm_profile_tier"),
            # The nightly run reads the customers whose first visit crosses the "new" boundary.
            models.Index(fields=["store", "first_visit_at"], name="crm_profile_first_visit"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.stage}/{self.tier}"


class SegmentChangeQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    pass


class SegmentChange(models.Model):
    """A change of a customer's lifecycle stage or value tier: from, to, why, and who
    (nobody = the nightly rule). Append-only. ABC class changes are customers' ClassChange rows."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="segment_changes")
    dimension = models.CharField(_("what"), max_length=10, choices=Dimension.choices)
    old_value = models.CharField(_("from"), max_length=10, blank=True)
    new_value = models.CharField(_("to"), max_length=10, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    changed_at = models.DateTimeField(_("time"), default=timezone.now)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    objects = SegmentChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-changed_at"], name="crm_change_customer"),
            models.Index(fields=["store", "dimension", "new_value", "changed_at"], name="crm_change_report"),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}: {self.old_value} → {self.new_value}"


class RetentionRule(models.Model):
    """One automatic care rule of a store (docs/DOMAIN.md §11.2): its trigger, timing
    (days before the due day, or after the event), actions and script, and a switch."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    enabled = models.BooleanField(_("on"), default=True)
    days = models.PositiveSmallIntegerField(_("days before or window"), default=0, validators=[MaxValueValidator(60)])
    send_message = models.BooleanField(_("send a message"), default=True)
    create_task = models.BooleanField(_("create a call task"), default=False)
    coupon_name = models.CharField(_("coupon offered"), max_length=100, blank=True)
    script = models.TextField(_("message or script"), blank=True, max_length=1000)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [models.UniqueConstraint(fields=["store", "trigger"], name="crm_rule_unique_per_store")]

    def __str__(self) -> str:
        return self.get_trigger_display()


class FiringQuerySet(StoreScopedQuerySet):
    pass


class Firing(models.Model):
    """One rule fired for one customer (and vehicle) for one period: what was done and
    why. Unique on (rule, customer, period key): a second run or a second worker finds
    the row and does nothing (docs/DOMAIN.md §11.2)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    rule = models.ForeignKey(RetentionRule, on_delete=models.PROTECT, related_name="firings", verbose_name=_("rule"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    period_key = models.CharField(_("period"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=FiringState.choices, default=FiringState.DONE)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    fired_at = models.DateTimeField(_("time"), default=timezone.now)
    message_ref = models.CharField(_("message"), max_length=40, blank=True)
    task_id = models.PositiveBigIntegerField(_("call task"), null=True, blank=True)
    coupon_id = models.PositiveBigIntegerField(_("coupon"), null=True, blank=True)

    objects = FiringQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule firing")
        verbose_name_plural = _("rule firings")
        ordering = ["-fired_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "customer", "period_key"], name="crm_firing_once_per_period")
        ]
        indexes = [models.Index(fields=["store", "-fired_at"], name="crm_firing_recent")]

    def __str__(self) -> str:
        return f"{self.rule_id}:{self.customer_id}:{self.period_key}"


class VehicleForecast(models.Model):
    """A vehicle's own mileage rate and the day its next maintenance falls due
    (docs/DOMAIN.md §11.4): the earlier of the calendar date and the day the
    projected odometer reaches the next service km. Kept by the nightly run for
    the vehicles with new readings; read by the maintenance reminder by date."""

    vehicle = models.OneToOneField(Vehicle, on_delete=models.CASCADE, related_name="crm_forecast", primary_key=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    km_per_day = models.DecimalField(_("km per day"), max_digits=7, decimal_places=1)
    basis = models.CharField(_("basis"), max_length=200)
    readings = models.PositiveSmallIntegerField(_("readings used"), default=0)
    due_km = models.PositiveIntegerField(_("next service km"), null=True, blank=True)
    calendar_on = models.DateField(_("due by the calendar"), null=True, blank=True)
    projected_on = models.DateField(_("due by the mileage"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("mileage forecast")
        verbose_name_plural = _("mileage forecasts")
        indexes = [models.Index(fields=["store", "due_on"], name="crm_forecast_due")]

    def __str__(self) -> str:
        return f"{self.vehicle_id}: {self.km_per_day} km/d"


class SolicitationEntry(models.Model):
    """One vehicle on a month's solicitation list (定期保养用户一览表, docs/DOMAIN.md §11.5):
    listed in week 1, invited in week 2, called in week 3, and the outcome of the call."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    month = models.DateField(_("month"))
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+", verbose_name=_("vehicle"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    due_on = models.DateField(_("due"))
    basis = models.CharField(_("basis"), max_length=200, blank=True)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    message_ref = models.CharField(_("message"), max_length=40, blank=True)
    task_id = models.PositiveBigIntegerField(_("call task"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=10, choices=DeclineReason.choices, blank=True)
    appointment_id = models.PositiveBigIntegerField(_("appointment"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("solicitation entry")
        verbose_name_plural = _("solicitation list")
        constraints = [models.UniqueConstraint(fields=["vehicle", "month"], name="crm_solicitation_once_a_month")]
        indexes = [models.Index(fields=["store", "month", "outcome"], name="crm_solicitation_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.vehicle_id}"


class Segment(models.Model):
    """A saved customer filter of a store (docs/DOMAIN.md §11.6): the query string of
    `crm.filters.SegmentFilterSet`, evaluated live by the page, the count, the API and campaigns."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="crm_segment_name_unique_per_store")]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    """A campaign of a store (docs/DOMAIN.md §19): its window, target segment, coupon
    offers, budget and actual costs, and its targets."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=CampaignKind.choices, default=CampaignKind.OTHER)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    segment = models.ForeignKey(
        Segment, on_delete=models.PROTECT, related_name="campaigns", verbose_name=_("target segment")
    )
    offers = models.ManyToManyField(CouponTemplate, blank=True, related_name="+", verbose_name=_("coupon offers"))
    budget = models.DecimalField(
        _("budget"), max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    actual_cost = models.DecimalField(
        _("actual costs"), max_digits=12, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    target_arrivals = models.PositiveIntegerField(_("target arrivals"), default=0)
    target_new_customers = models.PositiveIntegerField(_("target new customers"), default=0)
    target_revenue = models.DecimalField(
        _("target revenue"), max_digits=14, decimal_places=2, default=ZERO, validators=[MinValueValidator(ZERO)]
    )
    target_satisfaction = models.DecimalField(
        _("target satisfaction"), max_digits=3, decimal_places=1, default=Decimal("0.0"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("5.0"))],
    )  # fmt: skip
    invited_at = models.DateTimeField(_("invitations sent"), null=True, blank=True)
    remind_days = models.PositiveSmallIntegerField(
        _("remind (days before the end)"), default=3, validators=[MaxValueValidator(60)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="crm_campaign_window")
        ]

    def __str__(self) -> str:
        return self.name


class CampaignInvitation(models.Model):
    """One customer invited to a campaign: the message through the door and the coupon
    issued (docs/DOMAIN.md §19). Unique per campaign and customer: a second send adds nobody twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    invited_at = models.DateTimeField(_("invited at"), default=timezone.now)
    message_ref = models.CharField(_("message"), max_length=40, blank=True)
    coupon = models.ForeignKey(
        Coupon, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("coupon")
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign invitation")
        verbose_name_plural = _("campaign invitations")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "customer"], name="crm_invitation_once_per_customer")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.customer_id}"


class CampaignAttribution(models.Model):
    """A repair order counted for a campaign, and which rule won (docs/DOMAIN.md §19)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="attributions")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("attributed by"), max_length=12, choices=AttributionRule.choices)
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2, default=ZERO)
    new_customer = models.BooleanField(_("new customer"), default=False)
    offer_discount = models.DecimalField(_("package offer discount"), max_digits=12, decimal_places=2, default=ZERO)
    offer_line_id = models.PositiveBigIntegerField(_("offer line"), null=True, blank=True)
    survey_id = models.PositiveBigIntegerField(_("campaign survey"), null=True, blank=True)

    class Meta:
        verbose_name = _("campaign attribution")
        verbose_name_plural = _("campaign attributions")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "repair_order"], name="crm_attribution_once_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.repair_order_id}:{self.rule}"


class RecommendationRuleQuerySet(StoreScopedQuerySet):
    pass


class RecommendationRule(models.Model):
    """A rule of a store that recommends one catalogue entry (a package job or an
    operation, by its code) to the customers and vehicles it matches, with the reason
    shown to the advisor (docs/DOMAIN.md §11.7). Every condition is optional and they
    combine with AND; rules are data, seeded with the defaults on first use."""

    class ItemKind(models.TextChoices):
        PACKAGE = "package", _("Package job")
        OPERATION = "operation", _("Labour operation")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    code = models.SlugField(_("code"), max_length=30)
    enabled = models.BooleanField(_("on"), default=True)
    preference = models.CharField(_("customer preference"), max_length=20, blank=True)
    tag = models.CharField(_("customer tag"), max_length=30, blank=True)
    powertrains = models.JSONField(_("powertrains"), default=list, blank=True)
    min_vehicle_age = models.PositiveSmallIntegerField(
        _("vehicle age from (years)"), null=True, blank=True, validators=[MaxValueValidator(50)]
    )
    months = models.JSONField(_("months of the year"), default=list, blank=True)
    item_kind = models.CharField(_("recommends a"), max_length=10, choices=ItemKind.choices)
    item_code = models.CharField(_("catalogue code"), max_length=30)
    reason = models.CharField(_("reason shown"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(999)])

    objects = RecommendationRuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("recommendation rule")
        verbose_name_plural = _("recommendation rules")
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="crm_recommendation_code_per_store")]

    def __str__(self) -> str:
        return self.code


class CampaignOffer(models.Model):
    """A package price of a campaign (docs/DOMAIN.md §19.1): the catalogue package job
    (by code, as the store sees it) at the campaign's price during its window, applied
    to an attributed order as the manager's discount line (the one discount path)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="package_offers")
    package_code = models.CharField(_("package code"), max_length=30)
    name = models.CharField(_("package"), max_length=100, blank=True)
    price = models.DecimalField(
        _("campaign price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )

    class Meta:
        verbose_name = _("package offer")
        verbose_name_plural = _("package offers")
        constraints = [models.UniqueConstraint(fields=["campaign", "package_code"], name="crm_offer_once_per_package")]

    def __str__(self) -> str:
        return f"{self.package_code} ¥{self.price}"
