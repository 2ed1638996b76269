"""The repair order's workflow on the one mechanism of core.workflow: the
TRANSITIONS table (service/choices.py), the built-in guards and those other
apps register, who may make which move, the row lock every service of this
package takes, and the customer's authorisation that opens the work."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm, require
from aftercare.core.workflow import Guard, TransitionRefused, Workflow

from ..choices import TRANSITIONS, ApprovalMethod, LineStatus, Status
from ..models import RepairOrder, StatusChange

# Sent after the transaction that moved a repair order commits, with
# repair_order_id, from_status, to_status, actor_id. The follow-up issue turns
# `delivered` into a call task; receivers must not assume they run in the
# request that made the move.
repair_order_status_changed = Signal()


def _has_lines(order: RepairOrder) -> str | None:
    if not order.lines.exists():
        return _("Add the work and parts to the estimate first.")
    return None


def _authorised(order: RepairOrder) -> str | None:
    if not order.is_authorised:
        return _("The customer has not authorised the work yet.")
    return None


def _no_undecided_work(order: RepairOrder) -> str | None:
    if order.lines.filter(status=LineStatus.PROPOSED).exists():
        return _("Additional work is waiting for the customer's decision.")
    return None


def _closing_time(order: RepairOrder, to: str, at) -> list[str]:
    if to in (Status.DELIVERED, Status.CANCELLED):
        order.closed_at = at
        return ["closed_at"]
    return []


# The spine's own guards; other apps add theirs with register_transition_guard
# (the workshop's passed quality check before `ready`, billing's payment before
# `settled` and `delivered`, and no cancellation while the order holds money).
REPAIR_ORDER_WORKFLOW = Workflow(
    model=RepairOrder,
    states=Status,
    transitions=TRANSITIONS,
    history=StatusChange,
    history_fk="repair_order",
    signal=repair_order_status_changed,
    refused_message=gettext_lazy("A repair order cannot go from %(from)s to %(to)s."),
    guards={
        Status.ESTIMATE: [_has_lines],
        Status.APPROVED: [_authorised],
        Status.IN_PROGRESS: [_authorised],
        Status.QUALITY_CHECK: [_no_undecided_work],
    },
    stamp=_closing_time,
)
# to_status -> [guard]: the workflow's own table of guards, here for tests and apps that read it.
TRANSITION_GUARDS = REPAIR_ORDER_WORKFLOW.guards


def register_transition_guard(to_status: str, guard: Guard) -> None:
    """Attach another app's condition to moves into `to_status`: guard(order)
    or guard(order, context=...) returns the reason to refuse, or None. A guard
    that declares `context` also receives what a mover holding the order's lock
    already computed (repair_order_move_locked), e.g. {"balance": Decimal(...)},
    and may use it instead of reading it again."""
    REPAIR_ORDER_WORKFLOW.register_guard(to_status, guard)


def register_transition_effect(to_status: str, effect) -> None:
    """Attach another app's consequence of moves into `to_status`:
    effect(order, actor=..., note=...) runs under the order's lock in the
    move's transaction (billing gives back the coupons and package uses of a
    cancelled order)."""
    REPAIR_ORDER_WORKFLOW.register_effect(to_status, effect)


def repair_order_refusal(order: RepairOrder, to: str, *, context: dict | None = None) -> str | None:
    """Why the order could not move to `to` now (the table and every guard), or
    None: what a page asks before it offers the move, reading no more than the
    guards read (pass `context` when the page has computed it, e.g. the balance)."""
    return REPAIR_ORDER_WORKFLOW.refusal(order, to, context=context)


def _locked(order: RepairOrder) -> RepairOrder:
    """The order re-read under its row lock (PostgreSQL) / the IMMEDIATE write
    lock (SQLite), which serialises two advisors editing the same order: each
    sees the other's committed lines. Only the order's row is locked; the store,
    repair type and vehicle every service here reads come in the same statement."""
    return (
        RepairOrder.objects.select_for_update(of=("self",))
        .select_related("store", "repair_type", "vehicle")
        .get(pk=order.pk)
    )


# Who may make which move: the permission each target state needs.
TRANSITION_PERMS = {
    Status.ESTIMATE: Perm.REPAIR_ORDER_EDIT,
    Status.APPROVED: Perm.REPAIR_ORDER_EDIT,
    Status.IN_PROGRESS: Perm.JOB_CLOCK,
    Status.QUALITY_CHECK: Perm.JOB_CLOCK,
    Status.READY: Perm.QUALITY_CHECK,
    Status.SETTLED: Perm.PAYMENT_POST,
    Status.DELIVERED: Perm.REPAIR_ORDER_EDIT,
    Status.CANCELLED: Perm.REPAIR_ORDER_EDIT,
}


def _require_move(actor, order: RepairOrder, to: str) -> None:
    perm = TRANSITION_PERMS.get(to)
    if perm is None:
        raise TransitionRefused(_("Unknown state: %(to)s") % {"to": to})
    if actor is None:
        return  # the system itself (core.permissions.require): e.g. a payment from the customer's phone
    # Whoever dispatches the workshop may also start and finish its work.
    workshop_lead = perm == Perm.JOB_CLOCK and actor.has_perm(Perm.DISPATCH, order)
    if not (actor.has_perm(perm, order) or workshop_lead):
        raise PermissionDenied(_("Your role cannot move a repair order to %(to)s.") % {"to": Status(to).label})


def repair_order_transition(*, actor, repair_order: RepairOrder, to: str, note: str = "") -> RepairOrder:
    """Move a repair order to `to` under a row lock, if the transition table,
    the guards and the actor's role allow it; refuse with a clear message otherwise.
    Cancelling takes the reason as its note (docs/DOMAIN.md §3)."""
    _require_move(actor, repair_order, to)
    if to == Status.CANCELLED and not note.strip() and to in REPAIR_ORDER_WORKFLOW.allowed(repair_order.status):
        raise ValidationError({"note": _("Give the reason for cancelling the repair order.")})
    with transaction.atomic():
        moved = REPAIR_ORDER_WORKFLOW.move(_locked(repair_order), to, actor=actor, note=note)
        _notify_customer(moved, to, actor)
        return moved


def repair_order_move_locked(
    *,
    actor,
    repair_order: RepairOrder,
    to: str,
    note: str = "",
    context: dict | None = None,
    audit: Iterable[AuditEntry] = (),
) -> RepairOrder:
    """repair_order_transition for an order the caller has already locked
    (select_for_update) in the transaction it is still in, e.g. billing settling
    the order it has just taken the last payment for: the same role check,
    table, guards, StatusChange row, audit row and signal after commit, without
    locking and reading the order again. `context` hands the guards that accept
    it what the caller computed under that lock ({"balance": ...}); `audit` are
    the caller's own unsaved audit rows, written before the move's in the same
    INSERT when the move is made (a refused move writes none of them: the
    caller still owns them)."""
    _require_move(actor, repair_order, to)
    moved = REPAIR_ORDER_WORKFLOW.move(repair_order, to, actor=actor, note=note, context=context, audit=audit)
    _notify_customer(moved, to, actor)
    return moved


# The customer's phone link a notice carries ("approve", "progress"): the portal registers
# its issuer (register_customer_link, from PortalConfig.ready); the spine never imports
# the portal (docs/ARCHITECTURE.md), and without it a notice names the advisor to call.
_CUSTOMER_LINKS: list = []


def register_customer_link(issuer) -> None:
    """issuer(order, purpose, actor) -> the address of a new link, or "" when none can be issued."""
    _CUSTOMER_LINKS.append(issuer)


def customer_link(order: RepairOrder, purpose: str, actor) -> str:
    for issuer in _CUSTOMER_LINKS:
        url = issuer(order, purpose, actor)
        if url:
            return url
    return ""


def _notify_customer(order: RepairOrder, to: str, actor) -> None:
    """ "Your car is ready" through the messaging door, in the move's transaction
    (docs/DOMAIN.md §15.1); the thanks after delivery carries the survey link and
    is sent by the follow-up generation, which issues that link."""
    if to != Status.READY:
        return
    from aftercare.messaging.services import message_send, staff_context

    message_send(
        store=order.store, customer=order.customer, vehicle=order.vehicle, purpose="service",
        template_code="car_ready",
        context={**staff_context(order.advisor), "link": customer_link(order, "progress", actor)},
        dedupe_key=f"car_ready:{order.pk}", actor=actor, source=order,
    )  # fmt: skip


def repair_order_authorise(
    *, actor, order: RepairOrder, method: str, signature: str = "", note: str = ""
) -> RepairOrder:
    """The customer authorises the estimate (修理委托书): by signature on screen,
    by a verbal approval that staff record with time, or through the phone link.
    Moves the order from estimate to approved; no work starts before this."""
    require(actor, Perm.REPAIR_ORDER_EDIT, order.store)
    if method not in ApprovalMethod.values:
        raise ValidationError({"method": _("Unknown way of authorising.")})
    if method == ApprovalMethod.SIGNATURE and not signature.startswith("data:image/"):
        raise ValidationError({"signature": _("The customer has not signed yet.")})
    if method == ApprovalMethod.VERBAL and not note.strip():
        raise ValidationError({"note": _("Note who approved by phone, e.g. 'owner, call at 10:20'.")})
    with transaction.atomic():
        order = _locked(order)
        if order.status != Status.ESTIMATE:
            raise TransitionRefused(
                _("Only an estimate can be authorised; this order is %(status)s.")
                % {"status": order.get_status_display()}
            )
        if not order.lines.filter(status=LineStatus.APPROVED).exists():
            raise ValidationError(_("The estimate has no lines yet."))
        order.authorised_at = timezone.now()
        order.authorisation_method = method
        order.authorisation_signature = signature
        order.authorisation_recorded_by = actor
        order.authorisation_note = note
        # Saved with the move's own UPDATE: the APPROVED guard reads authorised_at from the object.
        authorisation = ["authorised_at", "authorisation_method", "authorisation_signature",
                         "authorisation_recorded_by", "authorisation_note"]  # fmt: skip
        return REPAIR_ORDER_WORKFLOW.move(
            order, Status.APPROVED, actor=actor, note=_("Authorised by the customer"), fields=authorisation
        )
