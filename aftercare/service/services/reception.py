"""Reception: opening a repair order for a car (with the work known at
reception), the reception and estimate details, the walk-around check-in sheet
and photos."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.models import RepairType
from aftercare.core.audit import audit_entry, audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.customers.choices import OdometerSource
from aftercare.customers.models import Customer, Vehicle
from aftercare.customers.services import odometer_record

from ..choices import CORRECTABLE_STATUSES, Status, WaitingMode
from ..models import CheckIn, Photo, RepairOrder, RepairOrderLine
from .lines import LineItem, _add_to_totals, _approved, _checked, _lines_added_entry, _lines_for
from .workflow import REPAIR_ORDER_WORKFLOW, _locked


def repair_order_open(
    *,
    actor,
    store: Store,
    vehicle: Vehicle,
    repair_type: RepairType | None = None,
    customer_statement: str = "",
    findings: str = "",
    waiting_mode: str = WaitingMode.WAITS,
    return_old_parts: bool = False,
    odometer_km: int | None = None,
    odometer_correction_reason: str = "",
    fuel_level: int | None = None,
    contact_phone: str = "",
    promised_at=None,
    items: "Iterable[LineItem | dict]" = (),
) -> RepairOrder:
    """Open a repair order for a vehicle at reception. The odometer reading is
    recorded on the vehicle too: a lower one is refused as in the vehicle file,
    unless `odometer_correction_reason` explains it (docs/DOMAIN.md §2.3). The
    pages and the API require a reading (§3.1 step 3).

    `items` (what lines_add takes) puts work known at reception on the order in
    the same transaction, as an appointment's booked work: the lines are priced
    as lines_add prices them, with the same errors and audit rows, and an item
    that is refused opens no order at all. One commit instead of two: the new
    order is nobody else's yet, so there is nothing to lock or re-read, and its
    totals go into its own INSERT."""
    require(actor, Perm.REPAIR_ORDER_EDIT, store)
    if vehicle.store_id != store.pk:
        raise ValidationError({"vehicle": _("The vehicle must be on file in this store.")})
    if fuel_level is not None and not 0 <= fuel_level <= 100:
        raise ValidationError({"fuel_level": _("Enter the fuel or charge level as 0-100 %.")})
    items = [_checked(item) for item in items]
    if repair_type is None:
        repair_type = RepairType.objects.effective_get(store, "general")
        if repair_type is None:
            raise ValidationError({"repair_type": _("Choose a repair type.")})
    with transaction.atomic():
        order = RepairOrder(
            store=store,
            customer_id=vehicle.owner_id,
            vehicle=vehicle,
            advisor=actor,
            repair_type=repair_type,
            customer_statement=customer_statement,
            findings=findings,
            waiting_mode=waiting_mode,
            return_old_parts=return_old_parts,
            odometer_km=odometer_km,
            fuel_level=fuel_level,
            contact_phone=contact_phone or vehicle.owner.mobile,
            promised_at=promised_at,
            discount_level=vehicle.discount_level,
        )
        # Priced before anything is written: a refused item rolls back nothing but reads.
        lines, described = _lines_for(order, items, position=0) if items else ([], [])
        _add_to_totals(order, _approved(lines))
        order.number = next_document_number(store=store, kind="repair_order", prefix="RO", width=7)
        order.save(force_insert=True)
        if lines:
            RepairOrderLine.objects.bulk_create(lines)
        # The car's last visit is now: with the reading's write of the vehicle when there is one.
        if odometer_km is not None:
            try:
                odometer_record(
                    actor=actor, vehicle=vehicle, km=odometer_km, source=OdometerSource.RECEPTION,
                    correction_reason=odometer_correction_reason, visit_at=order.opened_at,
                )  # fmt: skip
            except ValidationError as error:
                if not hasattr(error, "error_dict"):
                    raise
                # The reading is this order's odometer_km: its error goes on that field.
                raise ValidationError(
                    {"odometer_km" if name == "km" else name: errors for name, errors in error.error_dict.items()}
                ) from None
        else:
            Vehicle.objects.filter(pk=vehicle.pk).update(last_visit_at=order.opened_at)
        CheckIn.objects.create(repair_order=order)
        REPAIR_ORDER_WORKFLOW.start(order, actor=actor, at=order.opened_at)
        Customer.objects.filter(pk=vehicle.owner_id).update(last_visit_at=order.opened_at)
        # The order's own row first, then one per item as lines_add writes them: one INSERT.
        AuditEntry.objects.bulk_create(
            [
                audit_entry(
                    actor=actor, action=AuditEntry.Action.CREATE, obj=order, changes={"vehicle": [None, vehicle.plate]}
                ),
                *(_lines_added_entry(actor, order, text) for text in described),
            ]
        )
    return order


DAMAGE_KINDS = ("scratch", "dent", "crack", "other")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
# The first bytes of the image types a tablet camera produces. No Pillow: the
# magic number is enough to refuse a renamed document or script.
_PHOTO_SIGNATURES = (
    (b"\xff\xd8\xff", "jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
# Editable details: before settlement the advisor may still correct the
# reception record and the promise; afterwards the order is a closed document.
DETAIL_FIELDS = (
    "contact_phone",
    "fuel_level",
    "customer_statement",
    "findings",
    "promised_at",
    "waiting_mode",
    "return_old_parts",
)


def repair_order_update(*, actor, order: RepairOrder, data: dict) -> RepairOrder:
    """Change reception and estimate details (用户陈述, findings, promise, how the
    customer waits, old parts) while the order is open and not yet settled."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    unknown = set(data) - set(DETAIL_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    fuel = data.get("fuel_level")
    if fuel is not None and not 0 <= fuel <= 100:
        raise ValidationError({"fuel_level": _("Enter the fuel or charge level as 0-100 %.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status not in CORRECTABLE_STATUSES:
            raise ValidationError(_("This repair order is closed and can no longer be changed."))
        changes = {}
        for name, value in data.items():
            before = getattr(order, name)
            if before != value:
                changes[name] = [_audit_value(before), _audit_value(value)]
                setattr(order, name, value)
        if changes:
            order.save(update_fields=[*changes, "updated_at"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes=changes)
    return order


def _audit_value(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _clean_marks(marks) -> list[dict]:
    """Damage marks as [{x, y, kind, note}] with x, y in 0-1 of the car outline."""
    if not isinstance(marks, list) or len(marks) > 100:
        raise ValidationError({"damage_marks": _("The damage marks could not be read.")})
    cleaned = []
    for mark in marks:
        try:
            x, y = float(mark["x"]), float(mark["y"])
            kind = str(mark.get("kind", "other"))
            note = str(mark.get("note", ""))[:100]
        except (KeyError, TypeError, ValueError) as error:
            raise ValidationError({"damage_marks": _("The damage marks could not be read.")}) from error
        if not (0 <= x <= 1 and 0 <= y <= 1) or kind not in DAMAGE_KINDS:
            raise ValidationError({"damage_marks": _("A damage mark is outside the car or of an unknown kind.")})
        cleaned.append({"x": round(x, 4), "y": round(y, 4), "kind": kind, "note": note})
    return cleaned


def check_in_record(
    *,
    actor,
    order: RepairOrder,
    damage_marks: list,
    belongings: str = "",
    covers_fitted: bool = False,
    notes: str = "",
    customer_signature: str = "",
) -> CheckIn:
    """Record the walk-around check-in sheet (接车单): damage on the car outline,
    belongings, covers fitted, and the customer's signature. A signed sheet is
    final: the customer signed what they saw."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    marks = _clean_marks(damage_marks)
    if customer_signature and not customer_signature.startswith("data:image/png;base64,"):
        raise ValidationError({"customer_signature": _("The signature could not be read; sign again.")})
    with transaction.atomic():
        order = _locked(order)
        check_in, _created = CheckIn.objects.select_for_update().get_or_create(repair_order=order)
        if check_in.signed_at:
            raise ValidationError(_("The customer has already signed the check-in sheet."))
        if order.status not in (Status.RECEPTION, Status.ESTIMATE, Status.APPROVED):
            raise ValidationError(_("The check-in sheet is recorded at reception."))
        check_in.damage_marks = marks
        check_in.belongings = belongings.strip()
        check_in.covers_fitted = covers_fitted
        check_in.notes = notes.strip()
        fields = ["damage_marks", "belongings", "covers_fitted", "notes"]
        if customer_signature:
            check_in.customer_signature = customer_signature
            check_in.signed_at = timezone.now()
            fields += ["customer_signature", "signed_at"]
        check_in.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"check_in": [None, {"marks": len(marks), "covers": covers_fitted,
                                         "signed": bool(customer_signature)}]},
        )  # fmt: skip
    return check_in


def _photo_kind(head: bytes) -> str | None:
    for signature, kind in _PHOTO_SIGNATURES:
        if head.startswith(signature):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc"):
        return "heic"
    return None


def photo_add(*, actor, order: RepairOrder, image, caption: str = "", line: RepairOrderLine | None = None) -> Photo:
    """Attach a photo (check-in damage, a finding to show the customer), to the order or
    to one of its lines (the finding a proposed line is for, docs/DOMAIN.md §3.5). Only
    JPEG, PNG, WebP or HEIC images up to 10 MB, checked by content, not by name."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    if line is not None and line.repair_order_id != order.pk:
        raise ValidationError({"line": _("This line is not on this order.")})
    if image is None:
        raise ValidationError({"image": _("Choose a photo.")})
    if image.size > PHOTO_MAX_BYTES:
        raise ValidationError({"image": _("The photo is larger than 10 MB.")})
    image.seek(0)
    head = image.read(16)
    image.seek(0)
    if _photo_kind(head) is None:
        raise ValidationError({"image": _("Only JPEG, PNG, WebP or HEIC photos can be attached.")})
    with transaction.atomic():
        order = _locked(order)
        photo = Photo(repair_order=order, line=line, caption=caption.strip()[:200], taken_by=actor)
        photo.image = image
        photo.full_clean(exclude=["repair_order", "line", "taken_by"])
        photo.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"photo": [None, photo.image.name]}
        )
    return photo
