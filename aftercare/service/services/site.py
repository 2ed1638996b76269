"""Site work on the one repair order (docs/DOMAIN.md §17.9): home or mobile service, wall-box
installation and charger repair. No second kind of order: the order keeps its states, its
dispatch, its inspection and its signatures; a `SiteVisit` row adds the address, the arrival
window, the travel time and the van, and three guards on the order's own moves:

- → approved: a wall-box's site survey (现场勘测) is recorded, with at least one photo;
- → in progress: the van's kit was ticked at departure (出车);
- → ready: the customer signed the wall-box's acceptance (验收).

The workshop checks the technician's high-voltage certificate at dispatch as for a bay job."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.catalog.choices import PLUG_IN_POWERTRAINS, SiteKind
from aftercare.catalog.models import KitItem, Van
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require

from ..choices import Status
from ..models import Photo, RepairOrder, SiteVisit
from .workflow import _locked, register_transition_guard

TRAVEL_MAX_MINUTES = 480
# Site details are settled before anyone leaves: until the work has started.
SITE_EDIT_STATUSES = (Status.RECEPTION, Status.ESTIMATE, Status.APPROVED)
SURVEY_STATUSES = (Status.RECEPTION, Status.ESTIMATE)
KIT_STATUSES = (Status.APPROVED, Status.IN_PROGRESS)
ACCEPTANCE_STATUSES = (Status.IN_PROGRESS, Status.QUALITY_CHECK)


def site_visit_of(order: RepairOrder) -> SiteVisit | None:
    return SiteVisit.objects.filter(repair_order_id=order.pk).select_related("van").first()


def kit_items(store, kind: str) -> list[KitItem]:
    """The active kit of `kind` as `store` sees it, in checklist order."""
    return list(
        KitItem.objects.effective_for_store(store).active().filter(site_kind=kind).order_by("sort_order", "code")
    )


def _require_any(actor, perms, store) -> None:
    if actor is not None and not any(actor.has_perm(perm, store) for perm in perms):
        raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": store})


def site_visit_set(
    *,
    actor,
    order: RepairOrder,
    kind: str,
    address: str,
    window_start=None,
    window_end=None,
    travel_minutes: int = 30,
    van: Van | None = None,
) -> SiteVisit:
    """Make the order site work, or correct where and when: only for a plug-in car, before work starts."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    errors = {}
    if kind not in SiteKind.values:
        errors["kind"] = _("Choose the kind of site work.")
    address = (address or "").strip()
    if not address:
        errors["address"] = _("Enter the address where the work is done.")
    elif len(address) > 200:
        errors["address"] = _("Keep the address within 200 characters.")
    if travel_minutes is None or not 0 <= int(travel_minutes) <= TRAVEL_MAX_MINUTES:
        errors["travel_minutes"] = _("Enter the travel time as 0-480 minutes.")
    if (window_start is None) != (window_end is None):
        errors["window_end"] = _("Enter both ends of the arrival window, or neither.")
    elif window_start is not None and window_end <= window_start:
        errors["window_end"] = _("The window must end after it starts.")
    if van is not None and (van.store_id != order.store_id or not van.is_active):
        errors["van"] = _("Choose an active van of this store.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        order = _locked(order)
        if order.vehicle.powertrain not in PLUG_IN_POWERTRAINS:
            raise ValidationError({"kind": _("Site work is offered for plug-in hybrid and electric cars only.")})
        if order.status not in SITE_EDIT_STATUSES:
            raise ValidationError(_("Where and when the work is done can change only until the work starts."))
        visit = SiteVisit.objects.select_for_update().filter(repair_order=order).first()
        before = {"kind": visit.kind, "address": visit.address, "van": visit.van_id} if visit else None
        visit = visit or SiteVisit(repair_order=order)
        visit.kind, visit.address, visit.travel_minutes, visit.van = kind, address, int(travel_minutes), van
        visit.window_start, visit.window_end = window_start, window_end
        visit.save()
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"site_visit": [before, {"kind": kind, "address": address, "van": getattr(van, "pk", None)}]},
        )  # fmt: skip
    return visit


def _visit_locked(order: RepairOrder) -> tuple[RepairOrder, SiteVisit]:
    order = _locked(order)
    visit = SiteVisit.objects.select_for_update().filter(repair_order=order).first()
    if visit is None:
        raise ValidationError(_("This order is not site work."))
    return order, visit


def site_kit_confirm(*, actor, order: RepairOrder, checked) -> SiteVisit:
    """Departure (出车): the technician or foreman ticks the van's kit for this kind of work. Every
    item must be ticked, and the van chosen; a confirmed kit stays confirmed."""
    _require_any(actor, (Perm.JOB_CLOCK, Perm.DISPATCH), order.store)
    checked = [str(code) for code in (checked or ())]
    with transaction.atomic():
        order, visit = _visit_locked(order)
        if visit.kit_confirmed:
            raise ValidationError(_("The kit was already confirmed at departure."))
        if order.status not in KIT_STATUSES:
            raise ValidationError(_("The kit is confirmed when the technician leaves for an authorised order."))
        if visit.van_id is None:
            raise ValidationError({"van": _("Choose the van before departure.")})
        items = kit_items(order.store, visit.kind)
        missing = [item.name for item in items if item.code not in checked]
        if missing:
            raise ValidationError({"checked": _("Not ticked: %(items)s.") % {"items": "、".join(missing)}})
        visit.kit_checked = [item.code for item in items]
        visit.kit_confirmed_at, visit.kit_confirmed_by = timezone.now(), actor
        visit.save(update_fields=["kit_checked", "kit_confirmed_at", "kit_confirmed_by"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"site_kit": [None, visit.kit_checked]},
        )  # fmt: skip
    return visit


def site_survey_record(*, actor, order: RepairOrder, notes: str, photos=()) -> SiteVisit:
    """The wall-box site survey (现场勘测): what was found (supply, meter, cable run, where the box
    goes) and the photos taken, before the estimate is authorised. Photos are the order's own."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    notes = (notes or "").strip()
    if not notes:
        raise ValidationError({"notes": _("Describe what the survey found.")})
    photo_ids = {getattr(photo, "pk", photo) for photo in photos}
    with transaction.atomic():
        order, visit = _visit_locked(order)
        if not visit.is_wallbox:
            raise ValidationError(_("A site survey belongs to a wall-box installation."))
        if order.status not in SURVEY_STATUSES:
            raise ValidationError(_("The survey is recorded before the customer authorises the estimate."))
        chosen = list(Photo.objects.filter(repair_order=order, pk__in=photo_ids))
        if not chosen or len(chosen) != len(photo_ids):
            raise ValidationError({"photos": _("Attach at least one photo of this order's site.")})
        visit.survey_notes, visit.surveyed_at, visit.surveyed_by = notes, timezone.now(), actor
        visit.save(update_fields=["survey_notes", "surveyed_at", "surveyed_by"])
        visit.survey_photos.set(chosen)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"site_survey": [None, {"photos": len(chosen)}]},
        )  # fmt: skip
    return visit


def site_acceptance_sign(*, actor, order: RepairOrder, signature: str, note: str = "") -> SiteVisit:
    """The customer accepts the installed wall-box (验收) by signing on the technician's tablet,
    once the installation is done; signed once."""
    _require_any(actor, (Perm.REPAIR_ORDER_EDIT, Perm.JOB_CLOCK), order.store)
    if not (signature or "").startswith("data:image/png;base64,"):
        raise ValidationError({"signature": _("The acceptance needs the customer's signature.")})
    with transaction.atomic():
        order, visit = _visit_locked(order)
        if not visit.is_wallbox:
            raise ValidationError(_("An acceptance belongs to a wall-box installation."))
        if visit.accepted:
            raise ValidationError(_("The customer has already signed the acceptance."))
        if order.status not in ACCEPTANCE_STATUSES:
            raise ValidationError(_("The customer signs the acceptance once the installation is under way or done."))
        visit.acceptance_signature, visit.acceptance_note = signature, (note or "").strip()[:200]
        visit.accepted_at = timezone.now()
        visit.save(update_fields=["acceptance_signature", "acceptance_note", "accepted_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"site_acceptance": [None, "signed"]}
        )
    return visit


# --- the guards on the order's own moves ---------------------------------------------------------


def _survey_before_approval(order: RepairOrder) -> str | None:
    visit = site_visit_of(order)
    if visit is not None and visit.is_wallbox and not visit.surveyed:
        return _("Record the wall-box site survey with its photos before the estimate is authorised.")
    return None


def _kit_before_departure(order: RepairOrder) -> str | None:
    visit = site_visit_of(order)
    if visit is not None and not visit.kit_confirmed:
        return _("Confirm the van's kit before leaving for the site.")
    return None


def _acceptance_before_ready(order: RepairOrder) -> str | None:
    visit = site_visit_of(order)
    if visit is not None and visit.is_wallbox and not visit.accepted:
        return _("The customer has not signed the wall-box acceptance yet.")
    return None


register_transition_guard(Status.APPROVED, _survey_before_approval)
register_transition_guard(Status.IN_PROGRESS, _kit_before_departure)
register_transition_guard(Status.READY, _acceptance_before_ready)
