"""Changes to customers and vehicles. Every function runs in one transaction,
checks the actor's permission in the record's store, and writes the audit trail."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from aftercare.core.audit import audit_record, diff, snapshot
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number

from .choices import ConsentPurpose, CustomerKind, OdometerSource, PlateKind
from .models import ClassChange, Consent, Customer, OdometerReading, SearchKey, Vehicle, VehicleOwnership
from .normalize import normalize_mobile, normalize_plate, normalize_vin, suffixes

CUSTOMER_FIELDS = [
    "kind", "name", "contact_person", "mobile", "wechat_id", "email", "gender", "birthday", "region", "address",
    "preferred_channel", "preferences", "tags", "source", "assigned_advisor_id", "member_card_no", "abc_class",
]  # fmt: skip
VEHICLE_FIELDS = [
    "owner_id", "plate", "plate_kind", "vin", "vin_check_digit_waived", "engine_no", "brand", "model", "trim",
    "powertrain", "color", "purchase_date", "selling_dealer", "maintenance_months", "maintenance_km",
    "insurance_expiry", "inspection_due", "warranty_start", "warranty_end", "abc_class", "discount_level", "is_active",
]  # fmt: skip
# Changing these needs a reason and leaves a ClassChange row for the class-change reports (docs/DOMAIN.md §2.5).
CLASS_FIELDS = ("abc_class", "discount_level")
CURRENT_NOTICE_VERSION = "2026-01"


def _link(obj, url_name: str) -> str:
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), obj)


# --- normalising and duplicate checks -------------------------------------------


def _mobile_taken(store: Store, mobile: str, instance: Customer | None) -> dict:
    others = Customer.objects.active().filter(store=store, mobile=mobile)
    if instance is not None:
        others = others.exclude(pk=instance.pk)
    # Usually nobody has it: ask for an id only, and read the record only to name it.
    existing_id = others.values_list("pk", flat=True).first()
    if existing_id is None:
        return {}
    existing = Customer.objects.get(pk=existing_id)
    message = _("This mobile already belongs to {}. Open that record, or confirm the number is shared.")
    return {"mobile": [format_html(message, _link(existing, "customers:customer_detail"))]}


def clean_customer_data(
    *, store: Store, data: dict, instance: Customer | None = None, allow_shared_mobile=False
) -> dict:
    """Normalise the mobile and refuse a mobile that another customer of the
    store already has (a family may share one: the user can confirm that)."""
    data = dict(data)
    errors = {}
    if data.get("mobile"):
        try:
            data["mobile"] = normalize_mobile(data["mobile"])
        except ValidationError as error:
            errors["mobile"] = error.messages
        else:
            if not allow_shared_mobile:
                errors.update(_mobile_taken(store, data["mobile"], instance))
    if data.get("kind") == CustomerKind.PERSON and not data.get("mobile") and instance is None:
        errors.setdefault("mobile", []).append(_("A person needs a mobile number to be reached."))
    if errors:
        raise ValidationError(errors)
    return data


def clean_vehicle_data(*, store: Store, data: dict, instance: Vehicle | None = None) -> dict:
    """Normalise plate and VIN; refuse a VIN or an in-use plate the store already has."""
    data = dict(data)
    errors = {}
    unregistered = data.get("plate_kind", PlateKind.STANDARD) != PlateKind.STANDARD
    if data.get("plate"):
        try:
            data["plate"] = normalize_plate(data["plate"], unregistered_format=unregistered)
        except ValidationError as error:
            errors["plate"] = error.messages
    try:
        data["vin"] = normalize_vin(
            data.get("vin", ""), accept_check_digit_mismatch=bool(data.get("vin_check_digit_waived"))
        )
    except ValidationError as error:
        errors["vin"] = error.messages
    vehicles = Vehicle.objects.filter(store=store)
    if instance is not None:
        vehicles = vehicles.exclude(pk=instance.pk)
    if "vin" not in errors and (existing := vehicles.filter(vin=data["vin"]).first()):
        errors["vin"] = [
            format_html(_("This VIN is already on file: {}."), _link(existing, "customers:vehicle_detail"))
        ]
    if data.get("plate") and "plate" not in errors:
        if existing := vehicles.filter(plate=data["plate"], is_active=True).first():
            errors["plate"] = [
                format_html(_("This plate is in use by {}."), _link(existing, "customers:vehicle_detail"))
            ]
    if errors:
        raise ValidationError(errors)
    return data


def _rebuild_plate_keys(vehicle: Vehicle) -> None:
    SearchKey.objects.filter(vehicle=vehicle).delete()
    if vehicle.plate and vehicle.is_active:
        SearchKey.objects.bulk_create(
            SearchKey(store_id=vehicle.store_id, key=key, kind=SearchKey.Kind.PLATE, vehicle=vehicle)
            for key in suffixes(vehicle.plate)
        )


def _rebuild_company_keys(customer: Customer) -> None:
    SearchKey.objects.filter(customer=customer).delete()
    _add_company_keys(customer)


def _add_company_keys(customer: Customer) -> None:
    if customer.kind == CustomerKind.COMPANY and customer.merged_into_id is None:
        SearchKey.objects.bulk_create(
            SearchKey(store_id=customer.store_id, key=key, kind=SearchKey.Kind.COMPANY, customer=customer)
            for key in suffixes(customer.name.upper())
        )


# --- customers ----------------------------------------------------------------------


def customer_create(*, actor, store: Store, data: dict, allow_shared_mobile: bool = False) -> Customer:
    require(actor, Perm.CUSTOMER_EDIT, store)
    with transaction.atomic():
        data = clean_customer_data(store=store, data=data, allow_shared_mobile=allow_shared_mobile)
        customer = Customer(store=store)
        for name, value in data.items():
            setattr(customer, name, value)
        # The store is the one the permission was checked in, not input: no
        # query to check that it exists.
        customer.full_clean(exclude=["store", "number", "mobile_rev", "name_pinyin", "name_initials"])
        customer.number = next_document_number(store=store, kind="customer", prefix="C")
        customer.save()
        # A new record has no keys to replace, and only a company is found by name fragments.
        _add_company_keys(customer)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=customer,
            changes=diff({}, snapshot(customer, CUSTOMER_FIELDS)),
        )
    return customer


def customer_update(*, actor, customer: Customer, data: dict, allow_shared_mobile: bool = False) -> Customer:
    require(actor, Perm.CUSTOMER_EDIT, customer.store)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        data = clean_customer_data(
            store=customer.store, data=data, instance=customer, allow_shared_mobile=allow_shared_mobile
        )
        class_change_reason = (data.pop("class_change_reason", "") or "").strip()
        before = snapshot(customer, CUSTOMER_FIELDS)
        for name, value in data.items():
            setattr(customer, name, value)
        customer.full_clean(exclude=["number", "mobile_rev", "name_pinyin", "name_initials"])
        customer.save()
        if before["name"] != customer.name or before["kind"] != customer.kind:
            _rebuild_company_keys(customer)
        if before["abc_class"] != customer.abc_class:
            ClassChange.objects.create(
                store_id=customer.store_id, customer=customer, field=ClassChange.Field.ABC_CLASS,
                old_value=before["abc_class"], new_value=customer.abc_class, changed_by=actor,
                reason=class_change_reason or _("Edited"),
            )  # fmt: skip
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=customer,
            changes=diff(before, snapshot(customer, CUSTOMER_FIELDS)),
        )
    return customer


def contact_reveal(*, actor, customer: Customer) -> str:
    """The full mobile of a customer, for staff allowed to see it; each look is logged."""
    require(actor, Perm.CONTACT_REVEAL, customer.store)
    audit_record(actor=actor, action=AuditEntry.Action.REVEAL, obj=customer, changes={"field": ["mobile", "mobile"]})
    return customer.mobile


@dataclass
class MergeResult:
    kept: Customer
    merged: Customer
    vehicles_moved: int


def customer_merge(*, actor, keep: Customer, merge: Customer) -> MergeResult:
    """Merge `merge` into `keep` (the same person twice): vehicles, ownership
    history, consents and class changes move to `keep`; `merge` stays as a
    hidden record pointing at `keep`. The audit row lists every moved id;
    customer_merge_undo reads it back to reverse the merge."""
    if keep.pk == merge.pk:
        raise ValidationError(_("Choose two different customers."))
    if keep.store_id != merge.store_id:
        raise ValidationError(_("Only customers of the same store can be merged."))
    require(actor, Perm.CUSTOMER_MERGE, keep.store)
    with transaction.atomic():
        # Lock both in id order so two managers merging the same pair cannot deadlock.
        locked = {
            c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[keep.pk, merge.pk]).order_by("pk")
        }
        keep, merge = locked[keep.pk], locked[merge.pk]
        if merge.merged_into_id or keep.merged_into_id:
            raise ValidationError(_("One of these records has already been merged."))
        vehicle_ids = list(merge.vehicles.values_list("pk", flat=True))
        ownership_ids = list(merge.ownerships.values_list("pk", flat=True))
        consent_ids = list(merge.consents.values_list("pk", flat=True))
        class_change_ids = list(merge.class_changes.values_list("pk", flat=True))
        Vehicle.objects.filter(pk__in=vehicle_ids).update(owner=keep, updated_at=timezone.now())
        VehicleOwnership.objects.filter(pk__in=ownership_ids).update(customer=keep)
        Consent.objects.filter(pk__in=consent_ids).update(customer=keep)
        ClassChange.objects.filter(pk__in=class_change_ids).update(customer=keep)
        filled = {}
        for name in ("wechat_id", "email", "birthday", "address", "region", "member_card_no", "mobile"):
            if not getattr(keep, name) and getattr(merge, name):
                filled[name] = [getattr(keep, name), getattr(merge, name)]
                setattr(keep, name, getattr(merge, name))
        keep.tags = sorted({*keep.tags, *merge.tags})
        keep.preferences = sorted({*keep.preferences, *merge.preferences})
        if merge.last_visit_at and (not keep.last_visit_at or merge.last_visit_at > keep.last_visit_at):
            keep.last_visit_at = merge.last_visit_at
        keep.save()
        merge.merged_into = keep
        merge.save(update_fields=["merged_into", "updated_at"])
        _rebuild_company_keys(merge)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=keep,
            reason=_("Merged %(merged)s into this record") % {"merged": merge},
            changes={
                "merged_customer": [None, merge.pk],
                "moved_vehicles": [None, vehicle_ids],
                "moved_ownerships": [None, ownership_ids],
                "moved_consents": [None, consent_ids],
                "moved_class_changes": [None, class_change_ids],
                # Which blanks of `keep` were filled from `merge`; the values
                # themselves stay on `merge`, so none are copied into the trail.
                "filled_fields": [None, sorted(filled)],
            },
        )
    return MergeResult(kept=keep, merged=merge, vehicles_moved=len(vehicle_ids))


def customer_merge_undo(*, actor, merged: Customer) -> Customer:
    """Reverse a merge from its audit row: what moved goes back to `merged`
    (vehicles only if `keep` still owns them), blanks that the merge filled are
    blank again if unchanged since, and `merged` is visible again."""
    require(actor, Perm.CUSTOMER_MERGE, merged.store)
    with transaction.atomic():
        merged = Customer.objects.select_for_update().get(pk=merged.pk)
        if merged.merged_into_id is None:
            raise ValidationError(_("This record is not merged into another."))
        keep = Customer.objects.select_for_update().get(pk=merged.merged_into_id)
        # A customer is merged a handful of times at most, so reading the
        # candidates in Python is simpler than a JSON query each database spells differently.
        candidates = AuditEntry.objects.filter(
            object_type="customers.customer", object_id=str(keep.pk), changes__has_key="merged_customer"
        ).order_by("-id")
        entry = next((e for e in candidates if e.changes["merged_customer"][1] == merged.pk), None)
        if entry is None:
            raise ValidationError(_("The audit trail has no record of this merge; it cannot be undone automatically."))
        moved = {
            key: entry.changes.get(key, [None, []])[1]
            for key in ("moved_vehicles", "moved_ownerships", "moved_consents", "moved_class_changes")
        }
        Vehicle.objects.filter(pk__in=moved["moved_vehicles"], owner=keep).update(
            owner=merged, updated_at=timezone.now()
        )
        VehicleOwnership.objects.filter(pk__in=moved["moved_ownerships"], customer=keep).update(customer=merged)
        Consent.objects.filter(pk__in=moved["moved_consents"], customer=keep).update(customer=merged)
        ClassChange.objects.filter(pk__in=moved["moved_class_changes"], customer=keep).update(customer=merged)
        for name in entry.changes.get("filled_fields", [None, []])[1]:
            if getattr(keep, name) == getattr(merged, name):
                setattr(keep, name, None if name == "birthday" else "")
        keep.save()
        merged.merged_into = None
        merged.save(update_fields=["merged_into", "updated_at"])
        _rebuild_company_keys(merged)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=keep,
            reason=_("Undid the merge of %(merged)s") % {"merged": merged},
            changes={"unmerged_customer": [merged.pk, None]},
        )
    return merged


# --- consent ---------------------------------------------------------------------------


def consent_record(
    *,
    actor,
    customer: Customer,
    purpose: str,
    granted: bool,
    channel: str,
    notice_version: str = CURRENT_NOTICE_VERSION,
    note: str = "",
) -> Consent:
    """Record a consent decision. A withdrawal takes effect at once: senders
    read the latest row per purpose (selectors.current_consents)."""
    require(actor, Perm.CUSTOMER_EDIT, customer.store)
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    with transaction.atomic():
        consent = Consent.objects.create(
            customer=customer, purpose=purpose, granted=granted, channel=channel,
            notice_version=notice_version, recorded_by=actor, note=note,
        )  # fmt: skip
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=customer,
            changes={f"consent:{purpose}": [None, "granted" if granted else "withdrawn"]},
        )  # fmt: skip
    return consent


# --- vehicles -----------------------------------------------------------------------------


def vehicle_create(*, actor, store: Store, owner: Customer, data: dict, odometer_km: int | None = None) -> Vehicle:
    require(actor, Perm.CUSTOMER_EDIT, store)
    if owner.store_id != store.pk:
        raise ValidationError({"owner": _("The owner must be a customer of this store.")})
    with transaction.atomic():
        data = clean_vehicle_data(store=store, data=data)
        vehicle = Vehicle(store=store, owner=owner)
        for name, value in data.items():
            setattr(vehicle, name, value)
        vehicle.full_clean(exclude=["vin_rev", "owner", "store"])
        vehicle.save()
        VehicleOwnership.objects.create(vehicle=vehicle, customer=owner)
        _rebuild_plate_keys(vehicle)
        if odometer_km is not None:
            _add_reading(vehicle=vehicle, km=odometer_km, source=OdometerSource.MANUAL, actor=actor)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.CREATE,
            obj=vehicle,
            changes=diff({}, snapshot(vehicle, VEHICLE_FIELDS)),
        )
    return vehicle


def vehicle_update(*, actor, vehicle: Vehicle, data: dict, class_change_reason: str = "") -> Vehicle:
    """Edit a vehicle. A new ABC class or discount level needs a reason and is kept as a ClassChange."""
    require(actor, Perm.CUSTOMER_EDIT, vehicle.store)
    with transaction.atomic():
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        data = clean_vehicle_data(store=vehicle.store, data=data, instance=vehicle)
        before = snapshot(vehicle, VEHICLE_FIELDS)
        changed_classes = [f for f in CLASS_FIELDS if f in data and data[f] != getattr(vehicle, f)]
        if changed_classes and not class_change_reason.strip():
            raise ValidationError({changed_classes[0]: _("Give a reason for changing the class or discount level.")})
        for name, value in data.items():
            if name != "owner_id":  # ownership changes go through vehicle_transfer
                setattr(vehicle, name, value)
        vehicle.full_clean(exclude=["vin_rev", "owner", "store"])
        vehicle.save()
        for field in changed_classes:
            ClassChange.objects.create(
                store_id=vehicle.store_id, vehicle=vehicle, field=field, old_value=before[field],
                new_value=getattr(vehicle, field), changed_by=actor, reason=class_change_reason,
            )  # fmt: skip
        if before["plate"] != vehicle.plate or before["is_active"] != vehicle.is_active:
            _rebuild_plate_keys(vehicle)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=vehicle,
            changes=diff(before, snapshot(vehicle, VEHICLE_FIELDS)), reason=class_change_reason,
        )  # fmt: skip
    return vehicle


def vehicle_transfer(*, actor, vehicle: Vehicle, new_owner: Customer, note: str = "") -> Vehicle:
    """The vehicle changes owners: the old ownership ends, a new one starts; its
    history (repair orders, readings) stays with the vehicle."""
    require(actor, Perm.CUSTOMER_EDIT, vehicle.store)
    if new_owner.store_id != vehicle.store_id:
        raise ValidationError({"owner": _("The new owner must be a customer of this store.")})
    with transaction.atomic():
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.owner_id == new_owner.pk:
            return vehicle
        now = timezone.now()
        old_owner_id = vehicle.owner_id
        VehicleOwnership.objects.filter(vehicle=vehicle, ended_at__isnull=True).update(ended_at=now)
        VehicleOwnership.objects.create(vehicle=vehicle, customer=new_owner, started_at=now, note=note)
        vehicle.owner = new_owner
        vehicle.save(update_fields=["owner", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=vehicle,
            changes={"owner_id": [old_owner_id, new_owner.pk]},
            reason=note,
        )
    return vehicle


def _add_reading(*, vehicle: Vehicle, km: int, source: str, actor, reason: str = "", visit_at=None) -> OdometerReading:
    reading = OdometerReading.objects.create(
        vehicle=vehicle, km=km, source=source, recorded_by=actor, correction_reason=reason
    )
    vehicle.odometer_km, vehicle.odometer_at = km, reading.recorded_at
    fields = ["odometer_km", "odometer_at", "updated_at"]
    if visit_at is not None:
        vehicle.last_visit_at = visit_at
        fields.append("last_visit_at")
    vehicle.save(update_fields=fields)
    return reading


def odometer_record(
    *,
    actor,
    vehicle: Vehicle,
    km: int,
    source: str = OdometerSource.MANUAL,
    correction_reason: str = "",
    visit_at=None,
) -> OdometerReading:
    """Record a reading. Lower than the last one? Only as a correction with a reason.
    `visit_at`: the reading was taken when the car came in (reception), so its
    last visit moves to then in the same write of the vehicle."""
    require(actor, Perm.CUSTOMER_VIEW, vehicle.store)
    if km < 0 or km > 3_000_000:
        raise ValidationError({"km": _("Enter the odometer in km, between 0 and 3,000,000.")})
    with transaction.atomic():
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.odometer_km is not None and km < vehicle.odometer_km:
            if not correction_reason.strip():
                raise ValidationError(
                    {"km": _("%(km)s km is below the last reading (%(last)s km). To correct it, give a reason.")
                     % {"km": km, "last": vehicle.odometer_km}}
                )  # fmt: skip
            source = OdometerSource.CORRECTION
        reading = _add_reading(
            vehicle=vehicle, km=km, source=source, actor=actor, reason=correction_reason, visit_at=visit_at
        )
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=vehicle,
            changes={"odometer_km": [None, km]}, reason=correction_reason,
        )  # fmt: skip
    return reading
