"""Parts and inventory (docs/DOMAIN.md §12): stock per store and bin, the append-only
movements that make it, the demand of repair-order part lines, supplier orders with their
receipts and back orders, special-part documents and serial-numbered EV core parts."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.catalog.models import Part
from aftercare.core.models import Store
from aftercare.core.querysets import AppendOnlyQuerySetMixin, StoreScopedQuerySet
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import (
    CountStatus,
    DemandStatus,
    DocumentKind,
    MovementKind,
    OrderStatus,
    OrderType,
    PartClass,
    SerialStatus,
)

ZERO = Decimal("0")
# PostgreSQL answers LIKE 'x%' from varchar_pattern_ops whatever the collation.
PATTERN_OPS = ["varchar_pattern_ops", "int8_ops"]
QTY = {"max_digits": 12, "decimal_places": 2, "default": ZERO}


class Supplier(models.Model):
    """Who a store orders from (the carmaker's parts centre, or a brand supplier), with the
    order cycle, lead time and safety stock in days that the reorder formula uses
    (docs/DOMAIN.md §12.2)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=100)
    order_cycle_days = models.PositiveSmallIntegerField(_("order cycle (days)"), default=7)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=3)
    safety_days = models.PositiveSmallIntegerField(_("safety stock (days)"), default=5)
    regular_weekday = models.PositiveSmallIntegerField(_("regular order day (1 = Monday)"), default=1)
    transport = models.CharField(_("transport"), max_length=50, blank=True)
    follows_official_holidays = models.BooleanField(_("closes on China's official holidays"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["store_id", "name"]

    def __str__(self) -> str:
        return self.name


class SupplierClosure(models.Model):
    """A supplier's own closure beside the official holidays (stocktaking, a plant shutdown)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(last_day__gte=F("first_day")), name="parts_closure_order")]

    def __str__(self) -> str:
        return f"{self.supplier} {self.first_day}–{self.last_day}"


class StockItemQuerySet(StoreScopedQuerySet):
    def below_min(self):
        return self.filter(suggested_qty__gt=0)


class StockItem(models.Model):
    """One part in one store: on hand, reserved for repair orders, on order and on back order,
    the moving-average cost, and the reorder levels (docs/DOMAIN.md §12.1, §12.2). Quantities
    change only inside the parts services, under this row's lock; the database refuses
    negative stock or more reserved than on hand."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="+", verbose_name=_("part"))
    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("supplier")
    )
    part_class = models.CharField(_("part class"), max_length=10, choices=PartClass.choices, default=PartClass.GENERAL)
    category = models.CharField(_("category"), max_length=30, blank=True)
    serialized = models.BooleanField(_("tracked by serial number"), default=False)
    # Lookup keys kept by the services: the part number as typed by a scanner, and the name's pinyin.
    part_no = models.CharField(_("part number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=200, blank=True)
    name_initials = models.CharField(max_length=50, blank=True)
    main_bin = models.CharField(_("main bin"), max_length=20, blank=True)
    on_hand = models.DecimalField(_("on hand"), **QTY)
    reserved = models.DecimalField(_("reserved"), **QTY)
    on_order = models.DecimalField(_("on order"), **QTY)
    back_ordered = models.DecimalField(_("back ordered"), **QTY)
    avg_cost = models.DecimalField(_("average cost"), **QTY)
    monthly_demand = models.DecimalField(_("average monthly demand"), max_digits=12, decimal_places=4, default=ZERO)
    min_qty = models.DecimalField(_("MIN"), **QTY)
    max_qty = models.DecimalField(_("MAX"), **QTY)
    min_override = models.DecimalField(_("MIN set by hand"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_override = models.DecimalField(_("MAX set by hand"), max_digits=12, decimal_places=2, null=True, blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(_("why"), max_length=200, blank=True)
    override_at = models.DateTimeField(null=True, blank=True)
    suggested_qty = models.DecimalField(_("suggested order"), **QTY)
    # When anything the reorder formula reads last changed: the nightly job reads only these.
    changed_at = models.DateTimeField(default=timezone.now)
    last_moved_at = models.DateTimeField(_("last movement"), null=True, blank=True)

    objects = StockItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock item")
        verbose_name_plural = _("stock items")
        ordering = ["store_id", "part_no"]
        constraints = [
            models.UniqueConstraint(fields=["store", "part"], name="parts_stock_one_per_store_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="parts_stock_never_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & Q(reserved__lte=F("on_hand")), name="parts_reserved_within_on_hand"
            ),
            models.CheckConstraint(condition=Q(on_order__gte=0) & Q(back_ordered__gte=0), name="parts_on_order_ok"),
        ]
        indexes = [
            # The lookup box: every key a prefix (__prefix), indexed for LIKE 'x%' on PostgreSQL too.
            models.Index(fields=["part_no", "store"], name="parts_stock_part_no", opclasses=PATTERN_OPS),
            models.Index(fields=["name_pinyin", "store"], name="parts_stock_pinyin", opclasses=PATTERN_OPS),
            models.Index(fields=["name_initials", "store"], name="parts_stock_initials", opclasses=PATTERN_OPS),
            models.Index(fields=["name", "store"], name="parts_stock_name", opclasses=PATTERN_OPS),
            models.Index(fields=["main_bin", "store"], name="parts_stock_bin", opclasses=PATTERN_OPS),
            models.Index(fields=["store", "changed_at"], name="parts_stock_changed"),
            models.Index(fields=["store", "suggested_qty"], name="parts_stock_suggested"),
        ]

    def __str__(self) -> str:
        return f"{self.part_no} {self.name}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved

    @property
    def value(self) -> Decimal:
        from aftercare.core.money import to_money

        return to_money(self.on_hand * self.avg_cost)

    @property
    def effective_min(self) -> Decimal:
        return self.min_qty if self.min_override is None else self.min_override

    @property
    def effective_max(self) -> Decimal:
        return self.max_qty if self.max_override is None else self.max_override


class BinStock(models.Model):
    """How many of a store's stock item lie in one bin (货位)."""

    item = models.ForeignKey(StockItem, on_delete=models.CASCADE, related_name="bins")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(_("bin"), max_length=20)
    on_hand = models.DecimalField(_("on hand"), **QTY)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["bin"]
        constraints = [
            models.UniqueConstraint(fields=["item", "bin"], name="parts_bin_one_per_item"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="parts_bin_never_negative"),
        ]
        indexes = [models.Index(fields=["store", "bin"], name="parts_binstock_bin")]

    def __str__(self) -> str:
        return f"{self.bin}: {self.on_hand}"


class AppendOnlyQuerySet(AppendOnlyQuerySetMixin, StoreScopedQuerySet):
    append_only_message = "Stock movements are append-only; post a reversing movement."


class Movement(models.Model):
    """One append-only stock movement (docs/DOMAIN.md §12.1), tied to the document that caused it:
    a repair-order line (issue, return), a supplier-order line (receipt), another movement
    (transfer pair, reversal), or a reason (adjustment, count). `quantity` is signed: in > 0, out < 0."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("kind"), max_length=15, choices=MovementKind.choices)
    bin = models.CharField(_("bin"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, default=ZERO)
    on_hand_after = models.DecimalField(_("on hand after"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    line = models.ForeignKey(
        RepairOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("RO line")
    )
    order_line = models.ForeignKey(
        "SupplierOrderLine", on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    counterpart = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reverses = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by")
    serial = models.ForeignKey("SerialUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["item", "created_at"], name="parts_move_item_time"),
            models.Index(fields=["store", "kind", "created_at"], name="parts_move_store_kind"),
            models.Index(fields=["store", "created_at"], name="parts_move_store_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Stock movements are append-only; post a reversing movement.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Stock movements are append-only; post a reversing movement.")

    @property
    def value(self) -> Decimal:
        from aftercare.core.money import to_money

        return to_money(self.quantity * self.unit_cost)


class LineDemand(models.Model):
    """What one part line of an approved repair order asks of the counter: reserved from stock
    on approval, issued to the job (net of returns), and whether it is waiting (待发料), short (缺件)
    or issued (已发料) (docs/DOMAIN.md §12.1)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    line = models.OneToOneField(RepairOrderLine, on_delete=models.CASCADE, related_name="demand")
    repair_order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="part_demands")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="demands")
    quantity = models.DecimalField(_("requested"), max_digits=12, decimal_places=2)
    reserved = models.DecimalField(_("reserved"), **QTY)
    issued = models.DecimalField(_("issued"), **QTY)
    status = models.CharField(_("status"), max_length=10, choices=DemandStatus.choices, default=DemandStatus.WAITING)
    promised_at = models.DateTimeField(_("promised time"), null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    first_issued_at = models.DateTimeField(null=True, blank=True)
    # A line billed to warranty keeps the old part for the carmaker: its return tag number.
    return_tag = models.CharField(_("old-part return tag"), max_length=40, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("part line demand")
        ordering = ["promised_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(issued__gte=0), name="parts_demand_non_negative"),
        ]
        indexes = [models.Index(fields=["store", "status", "promised_at"], name="parts_demand_queue")]

    def __str__(self) -> str:
        return f"{self.repair_order_id}/{self.line_id}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.issued, ZERO)

    def status_for(self) -> str:
        if self.status == DemandStatus.CLOSED:
            return DemandStatus.CLOSED
        if self.issued >= self.quantity:
            return DemandStatus.ISSUED
        if self.reserved >= self.quantity - self.issued:
            return DemandStatus.WAITING
        return DemandStatus.SHORT


class SupplierOrder(models.Model):
    """An order to the supplier (docs/DOMAIN.md §12.3): its type, the submission that starts
    the back-order clock, and for special parts the documents checklist (§12.4)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="orders", verbose_name=_("supplier"))
    number = models.CharField(_("order number"), max_length=20)
    order_type = models.CharField(_("order type"), max_length=10, choices=OrderType.choices)
    part_class = models.CharField(_("part class"), max_length=10, choices=PartClass.choices, default=PartClass.GENERAL)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT)
    for_company_vehicle = models.BooleanField(_("for a company vehicle"), default=False)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supplier order")
        verbose_name_plural = _("supplier orders")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="parts_order_number_unique")]
        indexes = [models.Index(fields=["store", "status", "submitted_at"], name="parts_order_status")]

    def __str__(self) -> str:
        return self.number


class SupplierOrderLine(models.Model):
    """One part on a supplier order: ordered, received (over-delivery allowed), cancelled, and
    what is still open; open quantity after a receipt or the supplier's notice is a back order."""

    order = models.ForeignKey(SupplierOrder, on_delete=models.CASCADE, related_name="lines")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.DecimalField(_("ordered"), max_digits=12, decimal_places=2)
    unit_cost = models.DecimalField(_("unit cost"), **QTY)
    received = models.DecimalField(_("received"), **QTY)
    cancelled = models.DecimalField(_("cancelled"), **QTY)
    back_ordered_at = models.DateTimeField(_("back order since"), null=True, blank=True)
    expected_at = models.DateField(_("expected arrival"), null=True, blank=True)
    cancel_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("cancellation reason"), max_length=200, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0) & Q(received__gte=0) & Q(cancelled__gte=0), name="parts_order_line_ok"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.item_id} × {self.quantity}"

    @property
    def open_quantity(self) -> Decimal:
        return max(self.quantity - self.received - self.cancelled, ZERO)


class SpecialDocument(models.Model):
    """One uploaded item of a special-part order's checklist (docs/DOMAIN.md §12.4)."""

    order = models.ForeignKey(SupplierOrder, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(
        pgettext_lazy("special-part document", "document"), max_length=20, choices=DocumentKind.choices
    )
    file = models.FileField(_("file"), upload_to="parts/documents/%Y/%m/")
    shows_plate = models.BooleanField(_("the plate is visible"), default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "kind"], name="parts_document_one_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class SerialUnit(models.Model):
    """One serial-numbered EV core part (battery pack, motor, controller): the order it came
    from, and the vehicle and repair-order line it went into (docs/DOMAIN.md §17)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="serials")
    serial = models.CharField(_("serial number"), max_length=50)
    status = models.CharField(_("status"), max_length=10, choices=SerialStatus.choices, default=SerialStatus.IN_STOCK)
    order_line = models.ForeignKey(
        SupplierOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="serials"
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="part_serials", verbose_name=_("vehicle")
    )
    line = models.ForeignKey(RepairOrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    fitted_at = models.DateTimeField(null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("serial-numbered part")
        ordering = ["serial"]
        constraints = [models.UniqueConstraint(fields=["item", "serial"], name="parts_serial_unique_per_part")]

    def __str__(self) -> str:
        return self.serial


class ReorderRun(models.Model):
    """When the nightly reorder job last ran for a store, and the holiday extension it used."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    ran_at = models.DateTimeField(default=timezone.now)
    items = models.PositiveIntegerField(default=0)
    extension_days = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at"]
        indexes = [models.Index(fields=["store", "ran_at"], name="parts_run_store")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.ran_at:%Y-%m-%d %H:%M}"


class StockCount(models.Model):
    """A stock count (盘点) of a range of bins as the clerk entered it: the counts are not applied
    until a manager approves the variances, which posts one count movement per differing bin, or
    rejects them (docs/DOMAIN.md §12.1)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    number = models.CharField(_("count number"), max_length=20)
    bin_prefix = models.CharField(_("bins"), max_length=20, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=CountStatus.choices, default=CountStatus.ENTERED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    counted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    counted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(_("reason"), max_length=200, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-counted_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="parts_count_number_unique")]
        indexes = [models.Index(fields=["store", "status", "counted_at"], name="parts_count_status")]

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    """One bin of one part on a count: what the bin held when the clerk counted, and what was counted."""

    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(StockItem, on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(_("bin"), max_length=20)
    expected = models.DecimalField(_("in the system"), max_digits=12, decimal_places=2)
    counted = models.DecimalField(_("counted"), max_digits=12, decimal_places=2)
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        ordering = ["bin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["count", "item", "bin"], name="parts_count_line_once"),
            models.CheckConstraint(condition=Q(counted__gte=0), name="parts_count_line_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.bin}: {self.counted}"

    @property
    def variance(self) -> Decimal:
        return self.counted - self.expected
