"""The service catalogue (资料管理, 项目管理; docs/DOMAIN.md §4.2).

Most entries exist at two levels: a dealer group's default (store empty) that
every store of the group sees, and a store's own row. A store row with the same
code as a group default overrides it for that store only (`effective_for_store`).
Bays belong to one store only. Entries that documents will refer to are never
deleted, only deactivated.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aftercare.core.models import DealerGroup, Store, TimeStampedModel
from aftercare.core.money import FRT_HOURS_VALIDATORS, PRICE_VALIDATORS, QUANTITY_VALIDATORS, to_money
from aftercare.core.querysets import StoreScopedQuerySet

from .choices import AnswerType, BayCapability, BillsTo, InspectionArea, Powertrain, SiteKind, SurveyDimension

ZERO = Decimal("0")
HUNDRED = Decimal("100")
PERCENTAGE = [MinValueValidator(ZERO), MaxValueValidator(HUNDRED)]


def _store_ids(user, perm) -> list[int]:
    """The user's stores where `perm` (one permission, or any of several) is granted."""
    perms = [perm] if perm is None or isinstance(perm, str) else list(perm)
    return sorted({store_id for p in perms for store_id in user.store_ids(p)})


class CatalogQuerySet(StoreScopedQuerySet):
    """Scoping for rows that are either a group default or a store's own row.

    The model's `key_lookup` names what makes two rows "the same entry" across
    levels (the code for most kinds), so a store row can override a group default.
    """

    def for_user(self, user, perm=None):
        """The group defaults of the user's groups plus the rows of the user's stores.

        `perm` may be one permission or several (any of them grants the store).
        """
        if user is None or not user.is_authenticated:
            return self.none()
        store_ids = _store_ids(user, perm)
        group_ids = Store.objects.filter(pk__in=store_ids).values("group_id")
        return self.filter(Q(store_id__in=store_ids) | Q(store__isnull=True, group_id__in=group_ids))

    def effective_for_store(self, store: Store):
        """What `store` works with: its own rows, plus the group defaults that no
        row of the store overrides. An inactive store row still overrides: the
        store has decided not to offer that entry."""
        key = self.model.key_lookup
        overridden = self.model._default_manager.filter(store=store).values(key)
        return self.filter(
            Q(store=store) | (Q(store__isnull=True, group_id=store.group_id) & ~Q(**{f"{key}__in": overridden}))
        )

    def store_or_group(self, store: Store):
        """Both levels `store` may see, overridden or not: its own rows and its
        group's defaults. `effective_by_key` lets the store's row win."""
        return self.filter(Q(store=store) | Q(store__isnull=True, group_id=store.group_id))

    def effective_by_key(self, store: Store, keys) -> dict:
        """{key: entry} of those `keys` (values of `key_lookup`) as `store` sees
        them, what effective_for_store gives, from one plain query: both levels
        are read and the store's row wins (an inactive one too, so filter on
        is_active after this, not before). Without effective_for_store's
        sub-select of the store's keys the ORM builds half the SQL, which is
        most of the cost of looking up one entry."""
        key = self.model.key_lookup
        rows = self.store_or_group(store).filter(**{f"{key}__in": keys}).order_by()
        if "__" in key:  # a related entry's code: read along with the row
            rows = rows.annotate(catalog_key=F(key))
        entries = {}
        for entry in rows:
            value = entry.catalog_key if "__" in key else getattr(entry, key)
            if entry.store_id is not None or value not in entries:
                entries[value] = entry
        return entries

    def effective_get(self, store: Store, key):
        """The entry of that `key` as `store` sees it (see effective_by_key), None when there is none."""
        return self.effective_by_key(store, [key]).get(key)

    def group_defaults(self, group: DealerGroup):
        return self.filter(store__isnull=True, group=group)

    def active(self):
        return self.filter(is_active=True)


def scoped_unique(model_name: str, key: str) -> list[models.UniqueConstraint]:
    """One `key` per group among group defaults, one per store among store rows.
    Two conditional constraints, because NULL never equals NULL in a unique index."""
    return [
        models.UniqueConstraint(
            fields=["group", key], condition=Q(store__isnull=True), name=f"catalog_{model_name}_group_{key}_uniq"
        ),
        models.UniqueConstraint(
            fields=["store", key], condition=Q(store__isnull=False), name=f"catalog_{model_name}_store_{key}_uniq"
        ),
    ]


class CatalogItem(TimeStampedModel):
    """Base of every group-or-store catalogue entry."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group"))
    store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("store"),
        help_text=_("Empty for a group default that every store of the group uses."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    objects = CatalogQuerySet.as_manager()

    # The field that identifies the entry within its group or store (where a
    # duplicate is reported), and the lookup that compares entries across levels.
    key_field = "code"
    key_lookup = "code"
    # The kind's slug in page and API addresses.
    url_kind = ""
    # Foreign keys that must point at an entry the row's store can see.
    scoped_relations: tuple[str, ...] = ()

    class Meta:
        abstract = True
        ordering = ["code"]

    @property
    def is_group_default(self) -> bool:
        return self.store_id is None

    def get_absolute_url(self) -> str:
        return reverse("catalog:item_detail", args=[self.url_kind, self.pk])

    @property
    def key(self):
        """The value of `key_lookup` for this row (None while a relation is unset)."""
        *path, last = self.key_lookup.split("__")
        value = self
        for name in path:
            if getattr(value, f"{name}_id") is None:
                return None
            value = getattr(value, name)
        return getattr(value, last)

    def set_scope(self, *, store: Store | None = None, group: DealerGroup | None = None) -> None:
        """A store row (group taken from the store) or a group default (store None)."""
        self.store = store
        self.group = store.group if store is not None else group

    def clean(self):
        super().clean()
        errors = {}
        if self.store_id is not None and self.group_id is not None and self.store.group_id != self.group_id:
            errors["store"] = _("The store does not belong to this dealer group.")
        for name in self.scoped_relations:
            target_id = getattr(self, f"{name}_id")
            if target_id is None or self.group_id is None:
                continue
            target = getattr(self, name)
            if target.group_id != self.group_id or target.store_id not in (None, self.store_id):
                errors[name] = _("Choose an entry of the same dealer group or of the same store.")
        key = self.key
        if self.group_id is not None and key not in (None, ""):
            siblings = type(self)._default_manager.filter(group_id=self.group_id, store_id=self.store_id)
            if siblings.filter(**{self.key_lookup: key}).exclude(pk=self.pk).exists():
                errors[self.key_field] = _("This code is already used at this level.")
        if errors:
            raise ValidationError(errors)


def validate_choice_list(value, choices, field_name: str) -> None:
    """A JSON list whose items all come from `choices` (empty allowed)."""
    allowed = {choice for choice, _label in choices}
    if not isinstance(value, list) or any(item not in allowed for item in value):
        raise ValidationError(
            {field_name: _("Choose from: %(choices)s.") % {"choices": ", ".join(sorted(allowed))}}, code="invalid"
        )


def choice_labels(values, choices) -> list[str]:
    """The labels of a JSON list of choices, in its order (an unknown value as itself)."""
    labels = dict(choices)
    return [labels.get(value, value) for value in values or ()]


class RepairType(CatalogItem):
    """修理种类: why the car is in, and so who pays (customer, warranty, internal, insurer).
    System types (seeded) keep their code: other apps look them up by it."""

    url_kind = "repair-types"
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)
    bills_to = models.CharField(_("bills to"), max_length=20, choices=BillsTo.choices, default=BillsTo.CUSTOMER)
    is_system = models.BooleanField(_("system type"), default=False, editable=False)

    class Meta(CatalogItem.Meta):
        verbose_name = _("repair type")
        verbose_name_plural = _("repair types")
        constraints = scoped_unique("repairtype", "code")

    def __str__(self) -> str:
        return self.name


class LabourRate(CatalogItem):
    """The hourly labour rate (工时单价) of one repair type, in CNY."""

    url_kind = "labour-rates"
    repair_type = models.ForeignKey(
        RepairType, on_delete=models.PROTECT, related_name="labour_rates", verbose_name=_("repair type")
    )
    hourly_rate = models.DecimalField(_("hourly rate"), max_digits=10, decimal_places=2, validators=PRICE_VALIDATORS)

    key_field = "repair_type"
    key_lookup = "repair_type__code"
    scoped_relations = ("repair_type",)

    class Meta(CatalogItem.Meta):
        verbose_name = _("labour rate")
        verbose_name_plural = _("labour rates")
        ordering = ["repair_type__code"]
        constraints = [
            *scoped_unique("labourrate", "repair_type"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="catalog_labourrate_rate_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.repair_type} ¥{self.hourly_rate}/h"

    @classmethod
    def rate_for(cls, store: Store, repair_type_code: str) -> Decimal | None:
        """The store's hourly rate for a repair type (its own, else the group's);
        None when there is none or the rate that applies is inactive.

        One query reads both levels and the store's row wins, as in
        effective_for_store (an inactive store row still overrides: the store
        charges no rate of its own nor the group's); read on every line added."""
        rows = (
            cls.objects.store_or_group(store)
            .filter(repair_type__code=repair_type_code)
            .order_by()
            .values_list("store_id", "is_active", "hourly_rate")
        )
        # A store row before the group's; of two store rows (one for the group's
        # repair type, one for the store's own of the same code), an active one.
        chosen = max(rows, key=lambda row: (row[0] is not None, row[1]), default=None)
        return chosen[2] if chosen is not None and chosen[1] else None


class OperationCategory(CatalogItem):
    """操作类别: groups labour operations (maintenance, brakes, electrical...)."""

    url_kind = "operation-categories"
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)

    class Meta(CatalogItem.Meta):
        verbose_name = _("operation category")
        verbose_name_plural = _("operation categories")
        constraints = scoped_unique("operationcategory", "code")

    def __str__(self) -> str:
        return self.name


class LabourOperation(CatalogItem):
    """维修项目 with its FRT standard hours (工时定额): labour is priced as FRT × rate,
    the same for every customer of a store (price transparency, docs/DOMAIN.md §4.1)."""

    url_kind = "operations"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    category = models.ForeignKey(
        OperationCategory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="operations",
        verbose_name=_("category"),
    )
    frt_hours = models.DecimalField(_("FRT hours"), max_digits=6, decimal_places=2, validators=FRT_HOURS_VALIDATORS)
    powertrains = models.JSONField(
        _("powertrains"), default=list, blank=True, help_text=_("Leave empty if it applies to every powertrain.")
    )
    high_voltage = models.BooleanField(
        _("high-voltage work"), default=False, help_text=_("Only a high-voltage certified technician may do it.")
    )
    # Work done at the customer's address: booked on a van and a technician, not a bay (docs/DOMAIN.md §17.9).
    site_kind = models.CharField(
        _("done on site"), max_length=20, choices=SiteKind.choices, blank=True,
        help_text=_("Leave empty for work done in the workshop."),
    )  # fmt: skip

    scoped_relations = ("category",)

    class Meta(CatalogItem.Meta):
        verbose_name = _("labour operation")
        verbose_name_plural = _("labour operations")
        constraints = [
            *scoped_unique("labouroperation", "code"),
            models.CheckConstraint(condition=Q(frt_hours__gte=0), name="catalog_labouroperation_frt_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        validate_choice_list(self.powertrains, Powertrain.choices, "powertrains")

    def applies_to(self, powertrain: str) -> bool:
        return not self.powertrains or powertrain in self.powertrains

    @property
    def powertrain_labels(self) -> list[str]:
        """Empty when it applies to every powertrain."""
        return choice_labels(self.powertrains, Powertrain.choices)

    def price(self, rate: Decimal, quantity: Decimal = Decimal("1")) -> Decimal:
        """Labour price at an hourly `rate`: FRT hours × quantity × rate, rounded once to the cent."""
        return to_money(self.frt_hours * quantity * rate)


class Part(CatalogItem):
    """A minimal part master for package jobs and estimates. Stock, bins and
    suppliers belong to the parts app, which extends this."""

    url_kind = "parts"
    part_no = models.CharField(_("part number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    brand = models.CharField(_("brand"), max_length=50, blank=True)
    is_oem = models.BooleanField(_("OEM part"), default=True)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2, validators=PRICE_VALIDATORS)

    key_field = "part_no"
    key_lookup = "part_no"

    class Meta(CatalogItem.Meta):
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["part_no"]
        constraints = [
            *scoped_unique("part", "part_no"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="catalog_part_price_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_no} {self.name}"


class PackageLine:
    """One priced line of an expanded package job (not stored)."""

    __slots__ = ("amount", "code", "hours", "kind", "name", "quantity", "unit_price")

    def __init__(self, *, kind, code, name, quantity, unit_price, amount, hours=None):
        self.kind, self.code, self.name = kind, code, name
        self.quantity, self.unit_price, self.amount, self.hours = quantity, unit_price, amount, hours

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__slots__}


class PackageJob(CatalogItem):
    """成组作业: a named set of operations and parts sold together, e.g. "10,000 km service"."""

    url_kind = "package-jobs"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    repair_type = models.ForeignKey(
        RepairType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("repair type"),
        help_text=_("Chooses the labour rate."),
    )
    description = models.TextField(_("description"), blank=True)
    # The maintenance schedule per powertrain (docs/DOMAIN.md §17.1): a package with an
    # interval is one step of the schedule of the powertrains it applies to.
    powertrains = models.JSONField(
        _("powertrains"), default=list, blank=True, help_text=_("Leave empty if it applies to every powertrain.")
    )
    interval_km = models.PositiveIntegerField(
        _("every (km)"), null=True, blank=True, validators=[MaxValueValidator(200_000)],
        help_text=_("Empty: not part of the maintenance schedule."),
    )  # fmt: skip
    interval_months = models.PositiveSmallIntegerField(
        _("every (months)"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )

    scoped_relations = ("repair_type",)

    class Meta(CatalogItem.Meta):
        verbose_name = _("package job")
        verbose_name_plural = _("package jobs")
        constraints = scoped_unique("packagejob", "code")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self):
        super().clean()
        validate_choice_list(self.powertrains, Powertrain.choices, "powertrains")

    def applies_to(self, powertrain: str) -> bool:
        return not self.powertrains or powertrain in self.powertrains

    @property
    def powertrain_labels(self) -> list[str]:
        """Empty when it applies to every powertrain."""
        return choice_labels(self.powertrains, Powertrain.choices)

    def expand(self, store: Store) -> list[PackageLine]:
        """The lines priced for `store`: each operation and part is taken as the store
        sees it (a store override of the same code wins), labour at the store's rate
        for the package's repair type. Each line is rounded to the cent on its own,
        as it is printed; the total is the sum of the printed lines."""
        lines = list(self.lines.select_related("operation", "part"))
        op_codes = [line.operation.code for line in lines if line.operation_id]
        part_nos = [line.part.part_no for line in lines if line.part_id]
        operations = LabourOperation.objects.effective_by_key(store, op_codes)
        parts = Part.objects.effective_by_key(store, part_nos)
        rate = LabourRate.rate_for(store, self.repair_type.code) or ZERO
        priced = []
        for line in lines:
            if line.operation_id:
                op = operations.get(line.operation.code, line.operation)
                priced.append(
                    PackageLine(
                        kind="labour",
                        code=op.code,
                        name=op.name,
                        quantity=line.quantity,
                        hours=op.frt_hours * line.quantity,
                        unit_price=to_money(rate),
                        amount=op.price(rate, line.quantity),
                    )
                )
            else:
                part = parts.get(line.part.part_no, line.part)
                priced.append(
                    PackageLine(
                        kind="part",
                        code=part.part_no,
                        name=part.name,
                        quantity=line.quantity,
                        unit_price=part.unit_price,
                        amount=to_money(part.unit_price * line.quantity),
                    )
                )
        return priced

    @staticmethod
    def total(lines: list[PackageLine]) -> Decimal:
        return sum((line.amount for line in lines), ZERO)


class PackageJobLine(models.Model):
    """One operation or one part of a package job, with its quantity."""

    package = models.ForeignKey(PackageJob, on_delete=models.CASCADE, related_name="lines", verbose_name=_("package"))
    operation = models.ForeignKey(
        LabourOperation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("operation")
    )
    part = models.ForeignKey(
        Part, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("part")
    )
    quantity = models.DecimalField(
        _("quantity"), max_digits=8, decimal_places=2, default=Decimal("1"), validators=QUANTITY_VALIDATORS
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(999)])

    class Meta:
        verbose_name = _("package job line")
        verbose_name_plural = _("package job lines")
        ordering = ["sort_order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation__isnull=False, part__isnull=True) | Q(operation__isnull=True, part__isnull=False),
                name="catalog_packagejobline_operation_xor_part",
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="catalog_packagejobline_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.operation or self.part} × {self.quantity}"

    def clean(self):
        super().clean()
        if (self.operation_id is None) == (self.part_id is None):
            raise ValidationError(_("A line is either an operation or a part."))
        if self.quantity is not None and self.quantity <= 0:
            raise ValidationError({"quantity": _("The quantity must be more than zero.")})
        package = self.package
        for name in ("operation", "part"):
            target = getattr(self, name) if getattr(self, f"{name}_id") else None
            if target is not None and (
                target.group_id != package.group_id or target.store_id not in (None, package.store_id)
            ):
                raise ValidationError({name: _("Choose an entry of the same dealer group or of the same store.")})


class OtherCharge(CatalogItem):
    """其它费用: charges that are neither labour nor parts (car wash, towing, materials)."""

    url_kind = "other-charges"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    default_amount = models.DecimalField(
        _("default amount"), max_digits=10, decimal_places=2, default=ZERO, validators=PRICE_VALIDATORS
    )

    class Meta(CatalogItem.Meta):
        verbose_name = _("other charge")
        verbose_name_plural = _("other charges")
        constraints = [
            *scoped_unique("othercharge", "code"),
            models.CheckConstraint(condition=Q(default_amount__gte=0), name="catalog_othercharge_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class BayQuerySet(StoreScopedQuerySet):
    def for_user(self, user, perm=None):
        """Bays of the user's stores where `perm` (or any of several) is granted."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(store_id__in=_store_ids(user, perm))

    def effective_for_store(self, store: Store):
        return self.filter(store=store)

    def active(self):
        return self.filter(is_active=True)


class Bay(TimeStampedModel):
    """工位: a workshop bay of one store, with what it is equipped for. Dispatch
    puts high-voltage jobs only on bays with the EV high-voltage capability."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = BayQuerySet.as_manager()

    key_field = "code"
    url_kind = "bays"

    class Meta:
        verbose_name = _("bay")
        verbose_name_plural = _("bays")
        ordering = ["store_id", "code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="catalog_bay_store_code_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_group_default(self) -> bool:
        return False

    def get_absolute_url(self) -> str:
        return reverse("catalog:item_detail", args=[self.url_kind, self.pk])

    def clean(self):
        super().clean()
        validate_choice_list(self.capabilities, BayCapability.choices, "capabilities")
        if (
            self.store_id is not None
            and Bay.objects.filter(store_id=self.store_id, code=self.code).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"code": _("This code is already used at this level.")})

    def has_capability(self, capability: str) -> bool:
        return capability in self.capabilities

    @property
    def capability_labels(self) -> list[str]:
        return choice_labels(self.capabilities, BayCapability.choices)


class VanQuerySet(BayQuerySet):
    pass


class Van(TimeStampedModel):
    """服务车: a store's service van for home and mobile work. Site work is booked on a
    technician and a van, never a bay (docs/DOMAIN.md §17.9)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=50)
    plate = models.CharField(_("plate"), max_length=10, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = VanQuerySet.as_manager()

    class Meta:
        verbose_name = _("service van")
        verbose_name_plural = _("service vans")
        ordering = ["store_id", "code"]
        constraints = [models.UniqueConstraint(fields=["store", "code"], name="catalog_van_store_code_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class KitItem(CatalogItem):
    """随车工具清单: one tool or part a van must carry for a kind of site work; the
    technician ticks every item before leaving (docs/DOMAIN.md §17.9)."""

    url_kind = "kit-items"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    site_kind = models.CharField(_("site work"), max_length=20, choices=SiteKind.choices)
    quantity = models.PositiveSmallIntegerField(
        _("quantity"), default=1, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(999)])

    class Meta(CatalogItem.Meta):
        verbose_name = _("van kit item")
        verbose_name_plural = _("van kit items")
        ordering = ["site_kind", "sort_order", "code"]
        constraints = scoped_unique("kititem", "code")

    def __str__(self) -> str:
        return f"{self.name} ×{self.quantity}"


class InspectionItem(CatalogItem):
    """检查项目: one line of the check-in / inspection checklist."""

    url_kind = "inspection-items"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    area = models.CharField(_("area"), max_length=20, choices=InspectionArea.choices, default=InspectionArea.EXTERIOR)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(999)])
    powertrains = models.JSONField(
        _("powertrains"), default=list, blank=True, help_text=_("Leave empty if it applies to every powertrain.")
    )

    class Meta(CatalogItem.Meta):
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["sort_order", "code"]
        constraints = scoped_unique("inspectionitem", "code")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        validate_choice_list(self.powertrains, Powertrain.choices, "powertrains")

    def applies_to(self, powertrain: str) -> bool:
        return not self.powertrains or powertrain in self.powertrains

    @property
    def powertrain_labels(self) -> list[str]:
        """Empty when it applies to every powertrain."""
        return choice_labels(self.powertrains, Powertrain.choices)


class SurveyQuestion(CatalogItem):
    """调查问题: a question of the follow-up satisfaction survey, in one dimension."""

    url_kind = "survey-questions"
    code = models.CharField(_("code"), max_length=30)
    text = models.CharField(_("question"), max_length=200)
    dimension = models.CharField(_("dimension"), max_length=30, choices=SurveyDimension.choices)
    answer_type = models.CharField(
        _("answer type"), max_length=10, choices=AnswerType.choices, default=AnswerType.SCORE
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0, validators=[MaxValueValidator(999)])
    # Asked in the survey after work on a plug-in car, and only there (docs/DOMAIN.md §9.2, §17.10).
    for_ev = models.BooleanField(_("electric-vehicle question"), default=False)

    class Meta(CatalogItem.Meta):
        verbose_name = _("survey question")
        verbose_name_plural = _("survey questions")
        ordering = ["sort_order", "code"]
        constraints = scoped_unique("surveyquestion", "code")

    def __str__(self) -> str:
        return self.text


class DiscountLevel(CatalogItem):
    """折扣等级: the recorded discount a vehicle's level grants on labour and parts."""

    url_kind = "discount-levels"
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=50)
    labour_discount_pct = models.DecimalField(
        _("labour discount %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENTAGE
    )
    parts_discount_pct = models.DecimalField(
        _("parts discount %"), max_digits=5, decimal_places=2, default=ZERO, validators=PERCENTAGE
    )

    class Meta(CatalogItem.Meta):
        verbose_name = _("discount level")
        verbose_name_plural = _("discount levels")
        constraints = [
            *scoped_unique("discountlevel", "code"),
            models.CheckConstraint(
                condition=Q(labour_discount_pct__gte=0, labour_discount_pct__lte=100)
                & Q(parts_discount_pct__gte=0, parts_discount_pct__lte=100),
                name="catalog_discountlevel_pct_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def discounted_labour(self, amount: Decimal) -> Decimal:
        return to_money(amount * (HUNDRED - self.labour_discount_pct) / HUNDRED)

    def discounted_parts(self, amount: Decimal) -> Decimal:
        return to_money(amount * (HUNDRED - self.parts_discount_pct) / HUNDRED)
