"""Changes of warranty work: policies, extended warranties, overrides of an
ineligible line, claims built from an order and moved through their workflow,
and the carmaker's answer and payment lines applied once (docs/DOMAIN.md §14)."""

from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.money import check_price, check_quantity, to_money
from aftercare.core.permissions import Perm, require
from aftercare.core.services import next_document_number
from aftercare.core.workflow import Workflow
from aftercare.service.choices import LineKind, LineStatus, Payer, Status

from .choices import (
    CLAIM_TRANSITIONS,
    EDITABLE_CLAIM_STATUSES,
    FIRST_FREE_TYPE,
    ClaimLineKind,
    ClaimStatus,
    Coverage,
    ExchangeKind,
    ExchangeOutcome,
    OverrideStatus,
)
from .models import (
    ZERO,
    Claim,
    ClaimLine,
    ClaimStatusChange,
    EligibilityOverride,
    ExchangeLine,
    ExtendedWarranty,
    WarrantyPolicy,
    WarrantySettings,
)

claim_status_changed = Signal()  # claim_id, from_status, to_status, actor_id
DEFAULT_DEADLINE_DAYS = 30
DEFAULT_WARN_DAYS = 7
CLAIMABLE_ORDER_STATUSES = (Status.SETTLED, Status.DELIVERED)


# --- policies -------------------------------------------------------------------------------------

POLICY_FIELDS = ("brand", "model", "coverage", "months", "km", "valid_from", "valid_to", "excluded_parts")


def policy_save(*, actor, store, policy: WarrantyPolicy | None = None, **values) -> tuple[WarrantyPolicy, bool]:
    """Create or change a policy; (policy, changed). The import and the admin screen both come here."""
    require(actor, Perm.WARRANTY_MANAGE, store)
    created = policy is None
    policy = policy or WarrantyPolicy(store=store)
    before = {name: getattr(policy, name) for name in POLICY_FIELDS}
    for name, value in values.items():
        setattr(policy, name, value)
    if policy.valid_from and policy.valid_to and policy.valid_to < policy.valid_from:
        raise ValidationError({"valid_to": _("The end of validity is before its start.")})
    if policy.coverage not in Coverage.values:
        raise ValidationError({"coverage": _("Unknown coverage.")})
    changes = {n: [str(before[n]), str(getattr(policy, n))] for n in POLICY_FIELDS if before[n] != getattr(policy, n)}
    if not created and not changes:
        return policy, False
    policy.full_clean(exclude=["store"])
    policy.save()
    audit_record(
        actor=actor, action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, obj=policy,
        changes=changes,
    )  # fmt: skip
    return policy, True


def extended_warranty_sell(*, actor, vehicle, **values) -> ExtendedWarranty:
    require(actor, Perm.WARRANTY_MANAGE, vehicle.store)
    contract = ExtendedWarranty(store_id=vehicle.store_id, vehicle=vehicle, **values)
    contract.full_clean(exclude=["store", "vehicle"])
    contract.save()
    audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=contract, changes={"vehicle": [None, str(vehicle)]})
    return contract


def deadline_save(*, actor, store, brand: str = "", deadline_days: int, warn_days: int) -> WarrantySettings:
    """Set a store's claim deadline, for one brand or (brand empty) every other brand."""
    require(actor, Perm.WARRANTY_MANAGE, store)
    row, _created = WarrantySettings.objects.update_or_create(
        store=store, brand=(brand or "").strip(), defaults={"deadline_days": deadline_days, "warn_days": warn_days}
    )
    audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=row, store=store,
                 changes={"deadline_days": [None, deadline_days], "warn_days": [None, warn_days]})  # fmt: skip
    return row


def deadline_settings(store_id, brand: str) -> tuple[int, int]:
    """(days to submit, days before to flag) of a brand in a store: its own row, the store's, or the defaults."""
    rows = {row.brand: row for row in WarrantySettings.objects.filter(store_id=store_id, brand__in=(brand, ""))}
    row = rows.get(brand) or rows.get("")
    return (row.deadline_days, row.warn_days) if row else (DEFAULT_DEADLINE_DAYS, DEFAULT_WARN_DAYS)


# --- overrides ------------------------------------------------------------------------------------


def override_request(*, actor, order, coverage: str, reason: str) -> EligibilityOverride:
    """Ask for a warranty line the policy does not cover; a manager decides (docs/DOMAIN.md §14.2)."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the carmaker should pay all the same.")})
    if coverage not in Coverage.values:
        raise ValidationError({"coverage": _("Unknown coverage.")})
    with transaction.atomic():
        override = EligibilityOverride.objects.create(
            repair_order=order, coverage=coverage, reason=reason[:200], requested_by=actor
        )
        audit_record(actor=actor, action=AuditEntry.Action.CREATE, obj=override, store=order.store, reason=reason)
    return override


def override_decide(*, actor, override: EligibilityOverride, approve: bool) -> EligibilityOverride:
    """A manager approves or refuses a pending override; a decided one stays as it is."""
    order = override.repair_order
    require(actor, Perm.WARRANTY_APPROVE, order.store)
    with transaction.atomic():
        override = EligibilityOverride.objects.select_for_update().get(pk=override.pk)
        if override.status != OverrideStatus.PENDING:
            raise ValidationError(_("This override has already been decided."))
        if actor is not None and actor.pk == override.requested_by_id:
            raise PermissionDenied(_("An override is approved by another person than the one who asked."))
        override.status = OverrideStatus.APPROVED if approve else OverrideStatus.REFUSED
        override.decided_by, override.decided_at = actor, timezone.now()
        override.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=override, store=order.store,
            changes={"status": [OverrideStatus.PENDING, override.status]},
        )  # fmt: skip
    return override


# --- claims ---------------------------------------------------------------------------------------


def _repaired_on(order) -> date:
    settled = order.status_changes.filter(to_status=Status.SETTLED).order_by("-changed_at").first()
    return timezone.localtime(settled.changed_at if settled else (order.closed_at or timezone.now())).date()


def claim_build(*, actor, order) -> Claim:
    """A draft claim from a settled order's warranty lines: labour with FRT hours and
    technician, parts with quantities, prices and the old part's return tag (parts'
    `LineDemand.return_tag`), other charges; the order's photos (docs/DOMAIN.md §14.3).
    One claim per order and coverage."""
    require(actor, Perm.WARRANTY_MANAGE, order.store)
    if order.status not in CLAIMABLE_ORDER_STATUSES:
        raise ValidationError(_("A claim is built once the order is settled."))
    lines = list(
        order.lines.filter(payer=Payer.WARRANTY, status=LineStatus.APPROVED)
        .select_related("demand")
        .order_by("position", "id")
    )
    if not lines:
        raise ValidationError(_("This order has no warranty line to claim."))
    coverage = Coverage.FIRST_FREE if order.repair_type.code == FIRST_FREE_TYPE else Coverage.BASIC
    repaired_on = _repaired_on(order)
    days, warn = deadline_settings(order.store_id, order.vehicle.brand)
    kinds = {
        LineKind.LABOUR: ClaimLineKind.LABOUR,
        LineKind.PART: ClaimLineKind.PART,
        LineKind.OTHER: ClaimLineKind.OTHER,
    }
    with transaction.atomic():
        if Claim.objects.filter(repair_order=order, coverage=coverage).exists():
            raise ValidationError(_("This order already has its claim."))
        causal = next((line for line in lines if line.kind == LineKind.PART), None)
        claim = Claim.objects.create(
            store_id=order.store_id,
            number=next_document_number(store=order.store, kind="warranty_claim", prefix="WC"),
            repair_order=order, vehicle_id=order.vehicle_id, coverage=coverage,
            causal_part_code=causal.code if causal else "", causal_part_name=causal.description if causal else "",
            description=order.findings or order.customer_statement, odometer_km=order.odometer_km,
            repaired_on=repaired_on, deadline=repaired_on + timedelta(days=days),
            flag_from=repaired_on + timedelta(days=days - warn),
            claimed_amount=to_money(sum((line.amount for line in lines), ZERO)),
        )  # fmt: skip
        claim_lines = []
        for line in lines:
            demand = getattr(line, "demand", None) if line.kind == LineKind.PART else None
            claim_lines.append(ClaimLine(
                claim=claim, kind=kinds[line.kind], order_line=line, code=line.code, description=line.description,
                hours=line.hours if line.kind == LineKind.LABOUR else ZERO, quantity=line.quantity,
                unit_price=line.unit_price, amount=line.amount, technician_id=line.technician_id,
                return_tag=demand.return_tag if demand else "",
            ))  # fmt: skip
        ClaimLine.objects.bulk_create(claim_lines)
        if photo_ids := list(order.photos.values_list("id", flat=True)):
            claim.photos.add(*photo_ids)
        CLAIM_WORKFLOW.start(claim, actor=actor)
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=claim, changes={"repair_order": [None, order.number]}
        )
    return claim


def _editable(claim: Claim) -> None:
    if claim.status not in EDITABLE_CLAIM_STATUSES:
        raise ValidationError(_("Only a draft or a rejected claim can be corrected."))


CLAIM_FIELDS = ("causal_part_code", "causal_part_name", "symptom_code", "cause_code", "description")


def claim_update(*, actor, claim: Claim, **values) -> Claim:
    require(actor, Perm.WARRANTY_MANAGE, claim.store)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        _editable(claim)
        changes = {}
        for name in CLAIM_FIELDS:
            if name in values and values[name] != getattr(claim, name):
                changes[name] = [getattr(claim, name), values[name]]
                setattr(claim, name, values[name])
        if changes:
            claim.full_clean(exclude=["store", "repair_order", "vehicle", "photos"])
            claim.save(update_fields=[*changes, "updated_at"])
            audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=claim, changes=changes)
    return claim


def _recount(claim: Claim) -> None:
    claim.claimed_amount = to_money(sum((line.amount for line in claim.lines.all()), ZERO))
    claim.save(update_fields=["claimed_amount", "updated_at"])


def claim_line_add(*, actor, claim: Claim, kind: str, description: str, code: str = "", hours=ZERO,
                   quantity=Decimal("1"), unit_price=ZERO) -> ClaimLine:  # fmt: skip
    """Add a line by hand: an other charge or the rescue a quality defect caused (docs/DOMAIN.md §14.3)."""
    require(actor, Perm.WARRANTY_MANAGE, claim.store)
    if kind not in ClaimLineKind.values:
        raise ValidationError({"kind": _("Unknown kind of line.")})
    quantity = check_quantity(quantity)
    unit_price = check_price(unit_price, "unit_price")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        _editable(claim)
        line = ClaimLine.objects.create(
            claim=claim, kind=kind, code=code, description=description, hours=hours or ZERO, quantity=quantity,
            unit_price=unit_price, amount=to_money(quantity * unit_price),
        )  # fmt: skip
        _recount(claim)
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=claim, changes={"line": [None, description]})
    return line


def claim_line_remove(*, actor, line: ClaimLine) -> None:
    claim = line.claim
    require(actor, Perm.WARRANTY_MANAGE, claim.store)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        _editable(claim)
        line.delete()
        _recount(claim)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=claim, changes={"line": [line.description, None]}
        )


# The workflow (docs/DOMAIN.md §14.3).


def _has_lines(claim: Claim) -> str | None:
    if not claim.lines.exists():
        return _("A claim without lines cannot be submitted.")
    return None


def _within_deadline(claim: Claim, context: dict) -> str | None:
    today = context.get("today") or timezone.localdate()
    if claim.submissions == 0 and today > claim.deadline:
        return _("The carmaker's deadline for this claim passed on %(date)s.") % {"date": claim.deadline.isoformat()}
    return None


def _reason_given(claim: Claim, context: dict) -> str | None:
    if not (context.get("note") or "").strip():
        return _("Give the carmaker's reason.")
    return None


def _corrections_said(claim: Claim, context: dict) -> str | None:
    if claim.status == ClaimStatus.REJECTED and not (context.get("note") or "").strip():
        return _("Say what was corrected before submitting again.")
    return None


def _stamp(claim: Claim, to: str, at) -> list[str]:
    if to == ClaimStatus.SUBMITTED:
        claim.submitted_at, claim.submissions = at, claim.submissions + 1
        return ["submitted_at", "submissions"]
    return []


CLAIM_WORKFLOW = Workflow(
    model=Claim,
    states=ClaimStatus,
    transitions=CLAIM_TRANSITIONS,
    history=ClaimStatusChange,
    history_fk="claim",
    signal=claim_status_changed,
    refused_message=gettext_lazy("A claim cannot go from %(from)s to %(to)s."),
    guards={
        ClaimStatus.SUBMITTED: [_has_lines, _within_deadline, _corrections_said],
        ClaimStatus.REJECTED: [_reason_given],
    },
    stamp=_stamp,
)


def claim_refusal(claim: Claim, to: str) -> str | None:
    return CLAIM_WORKFLOW.refusal(claim, to)


def _move_locked(claim, to, *, actor, note="", fields=(), changes=None, today=None):
    return CLAIM_WORKFLOW.move(
        claim, to, actor=actor, note=note, fields=fields, changes=changes, context={"today": today}
    )


def claim_transition(
    *, actor, claim: Claim, to: str, note: str = "", amount: Decimal | None = None, today: date | None = None
) -> Claim:
    """Move a claim: submit (again), accept (with the approved amount), reject (with the
    carmaker's reason), pay (with the amount paid). Every move is one history row."""
    require(actor, Perm.WARRANTY_MANAGE, claim.store)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim.pk)
        fields, changes = [], {}
        if to == ClaimStatus.ACCEPTED and claim.status == ClaimStatus.SUBMITTED:
            approved = check_price(amount, "amount") if amount is not None else claim.claimed_amount
            changes["approved_amount"] = [str(claim.approved_amount), str(approved)]
            claim.approved_amount, claim.rejection_reason = approved, ""
            fields += ["approved_amount", "rejection_reason"]
        elif to == ClaimStatus.REJECTED and claim.status == ClaimStatus.SUBMITTED:
            claim.rejection_reason = note.strip()[:200]
            fields.append("rejection_reason")
        elif to == ClaimStatus.SUBMITTED and claim.status == ClaimStatus.REJECTED:
            # The carmaker's reason stays in the history; the claim goes back without it.
            claim.rejection_reason, claim.approved_amount = "", None
            fields += ["rejection_reason", "approved_amount"]
        elif to == ClaimStatus.PAID and claim.status == ClaimStatus.ACCEPTED:
            paid = check_price(amount, "amount") if amount is not None else claim.approved_amount
            changes["paid_amount"] = [str(claim.paid_amount), str(paid)]
            claim.paid_amount, claim.paid_on = paid, today or timezone.localdate()
            fields += ["paid_amount", "paid_on"]
        return _move_locked(claim, to, actor=actor, note=note, fields=fields, changes=changes, today=today)


# --- the carmaker's files (docs/DOMAIN.md §14.4) --------------------------------------------------


def exchange_line_apply(
    *, actor, store, kind: str, file_hash: str, row: int, claim_number: str, verdict: str = "",
    amount: Decimal | None = None, reason: str = "", today: date | None = None,
) -> ExchangeLine | None:  # fmt: skip
    """Apply one line of the carmaker's answer file or payment list. A line of a file
    already applied returns None and changes nothing; an unknown claim number or a
    line the claim's status cannot take is recorded and flagged, a payment below the
    approved amount is applied and flagged as short."""
    require(actor, Perm.WARRANTY_MANAGE, store)
    if ExchangeLine.objects.filter(store=store, kind=kind, file_hash=file_hash, row=row).exists():
        return None
    claim = Claim.objects.filter(store=store, number=claim_number).first()
    record = ExchangeLine(
        store=store, kind=kind, file_hash=file_hash, row=row, claim_number=claim_number[:40], claim=claim,
        amount=amount, outcome=ExchangeOutcome.MATCHED,
    )  # fmt: skip
    if claim is None:
        record.outcome, record.note = ExchangeOutcome.UNKNOWN, _("No claim has this number.")
    elif kind == ExchangeKind.ANSWER:
        _apply_answer(actor, claim, record, verdict, amount, reason, today)
    else:
        _apply_payment(actor, claim, record, amount, today)
    record.save()
    return record


def _apply_answer(actor, claim, record, verdict, amount, reason, today) -> None:
    if claim.status != ClaimStatus.SUBMITTED:
        record.outcome = ExchangeOutcome.REFUSED
        record.note = _("The claim is %(status)s, not submitted.") % {"status": claim.get_status_display()}
        return
    if verdict == "rejected":
        claim_transition(actor=actor, claim=claim, to=ClaimStatus.REJECTED, note=reason, today=today)
        record.note = reason[:200]
        return
    claim = claim_transition(actor=actor, claim=claim, to=ClaimStatus.ACCEPTED, amount=amount, today=today)
    record.difference = claim.claimed_amount - claim.approved_amount
    if record.difference > 0:
        record.outcome, record.note = ExchangeOutcome.SHORT, _("Approved less than claimed.")


def _apply_payment(actor, claim, record, amount, today) -> None:
    if claim.status != ClaimStatus.ACCEPTED:
        record.outcome = ExchangeOutcome.REFUSED
        record.note = _("The claim is %(status)s, not accepted.") % {"status": claim.get_status_display()}
        return
    claim = claim_transition(actor=actor, claim=claim, to=ClaimStatus.PAID, amount=amount, today=today)
    record.difference = claim.approved_amount - claim.paid_amount
    if record.difference > 0:
        record.outcome, record.note = ExchangeOutcome.SHORT, _("Paid less than approved.")
