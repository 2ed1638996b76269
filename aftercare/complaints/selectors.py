"""Reads of complaints shared by pages, the API and reports."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from aftercare.core.permissions import Perm

from .choices import RESOLVED_STATUSES, Status
from .models import Complaint

RATE_PLACES = Decimal("0.0001")


def rate(numerator: int, denominator: int) -> Decimal | None:
    """A ratio 0-1 rounded to 4 places, None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


CLOCKS = (
    ("contact", "contact_due_at", "contacted_at"),
    ("answer", "answer_due_at", "resolved_at"),
    ("inform", "inform_due_at", "informed_at"),
)
# Still unhappy: not resolved yet, or closed with a satisfaction of 1-2.
UNHAPPY = ~Q(status__in=RESOLVED_STATUSES) | Q(status=Status.CLOSED, satisfaction__lte=2)
KPI_COUNTS = ("total", "resolved", *(f"{n}_{w}" for n, *_f in CLOCKS for w in ("decided", "on_time")), "unhappy")


def complaint_counts(*, store_ids, start: datetime, end: datetime, now: datetime) -> QuerySet:
    """(customer_id, *KPI_COUNTS) of the complaints received in [start, end), a row per
    customer: conditional counts in one grouped statement (a customer complains rarely,
    so the rows are few)."""
    aggregates = {"total": Count("id"), "resolved": Count("id", filter=Q(status__in=RESOLVED_STATUSES))}
    for name, due, done in CLOCKS:
        aggregates[f"{name}_decided"] = Count("id", filter=Q(**{f"{done}__isnull": False}) | Q(**{f"{due}__lt": now}))
        aggregates[f"{name}_on_time"] = Count("id", filter=Q(**{f"{done}__isnull": False, f"{done}__lte": F(due)}))
    aggregates["unhappy"] = Count("id", filter=UNHAPPY)
    assert tuple(aggregates) == KPI_COUNTS
    return (
        Complaint.objects.filter(store_id__in=list(store_ids), received_at__gte=start, received_at__lt=end)
        .order_by("customer_id")
        .values_list("customer_id")
        .annotate(**aggregates)
    )


def complaint_kpis(*, store_ids, start: datetime, end: datetime, now: datetime | None = None) -> dict:
    """Complaint numbers of the complaints received in [start, end) (docs/DOMAIN.md §10.2).

    - resolution_rate = resolved (resolved, informed or closed) / total;
    - each on-time rate = clocks stopped before their deadline / clocks that
      have stopped or are already past their deadline (a clock still running
      within its time is not yet decided and counts on neither side);
    - open_dissatisfied_customer_ids: the customers still unhappy about a
      complaint — not resolved yet, or closed with satisfaction 1-2 — for the
      drill-down (each once, however many such complaints they have).

    One query (complaint_counts), its rows added up here.
    """
    now = now or timezone.now()
    numbers = dict.fromkeys(KPI_COUNTS, 0)
    unhappy_customers = []
    for customer_id, *counts in complaint_counts(store_ids=store_ids, start=start, end=end, now=now):
        for name, count in zip(KPI_COUNTS, counts, strict=True):
            numbers[name] += count
        if counts[-1]:
            unhappy_customers.append(customer_id)
    return {
        "total": numbers["total"],
        "resolved": numbers["resolved"],
        "resolution_rate": rate(numbers["resolved"], numbers["total"]),
        "contact_on_time_rate": rate(numbers["contact_on_time"], numbers["contact_decided"]),
        "answer_on_time_rate": rate(numbers["answer_on_time"], numbers["answer_decided"]),
        "inform_on_time_rate": rate(numbers["inform_on_time"], numbers["inform_decided"]),
        "open_dissatisfied_customer_ids": unhappy_customers,
    }


def complaints_visible_to(user):
    """Every complaint the user may list: all of the stores where they see
    details, plus the ones they recorded themselves (status only) elsewhere."""
    detail_stores = user.store_ids(Perm.COMPLAINT_VIEW)
    own = Q(submitted_by=user, store_id__in=user.store_ids(Perm.COMPLAINT_CREATE))
    return Complaint.objects.filter(Q(store_id__in=detail_stores) | own)


OPINION_HEADERS = (
    "number", "received_at", "store", "customer", "plate", "repair_order", "channel", "complaint_type",
    "priority", "is_crisis", "description", "staff_concerned", "owner", "status", "resolution_plan",
    "plan_due_at", "result", "contacted_at", "resolved_at", "informed_at", "closed_at", "contact_breached",
    "answer_breached", "inform_breached", "satisfaction", "closing_note",
)  # fmt: skip


def opinion_rows(queryset):
    """The rows of the customer opinions report (用户意见处理表, docs/DOMAIN.md §8.4),
    in OPINION_HEADERS order; one query, streamed."""
    local = timezone.localtime
    queryset = queryset.select_related("store", "customer", "vehicle", "repair_order", "staff_concerned", "owner")
    for c in queryset.iterator(chunk_size=500):
        yield (
            c.number, local(c.received_at).strftime("%Y-%m-%d %H:%M"), c.store.name, c.customer.name,
            c.vehicle.plate if c.vehicle else "", c.repair_order.number if c.repair_order else "",
            c.get_channel_display(), c.get_complaint_type_display(), c.get_priority_display(),
            "Y" if c.is_crisis else "", c.description, _person(c.staff_concerned), _person(c.owner),
            c.get_status_display(), c.resolution_plan, _when(c.plan_due_at), c.result, _when(c.contacted_at),
            _when(c.resolved_at), _when(c.informed_at), _when(c.closed_at), "Y" if c.contact_breached else "",
            "Y" if c.answer_breached else "", "Y" if c.inform_breached else "", c.satisfaction or "", c.closing_note,
        )  # fmt: skip


def _person(user) -> str:
    return (getattr(user, "full_name", "") or user.get_username()) if user else ""


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


CAUSE_OPEN = "complaint_open"
CAUSE_RESOLVED_LATE = "complaint_resolved_after_period"


def resolution_kpi(*, store_ids, start: datetime, end: datetime, as_of: datetime | None = None) -> dict:
    """Complaint resolution (docs/DOMAIN.md §18.5): complaints received in [start, end) that
    were resolved by `as_of` (default now) ÷ all of them. A complaint resolved after the period
    but before `as_of` counts as resolved and is marked so. Rows: one per complaint, with its
    owner and order. One query."""
    as_of = as_of or timezone.now()
    complaints = (
        Complaint.objects.filter(store_id__in=list(store_ids), received_at__gte=start, received_at__lt=end)
        .order_by("received_at", "id")
        .values_list("id", "customer_id", "status", "resolved_at", "owner_id", "repair_order_id", "received_at")
    )
    rows = []
    for pk, customer_id, status, resolved_at, owner_id, order_id, received_at in complaints:
        ok = status in RESOLVED_STATUSES and resolved_at is not None and resolved_at <= as_of
        cause = CAUSE_OPEN if not ok else (CAUSE_RESOLVED_LATE if resolved_at >= end else "")
        rows.append({"customer_id": customer_id, "ok": ok, "cause": cause, "person_id": owner_id,
                     "repair_order_id": order_id, "complaint_id": pk, "at": received_at})  # fmt: skip
    resolved = sum(1 for row in rows if row["ok"])
    return {"numerator": resolved, "denominator": len(rows), "rate": rate(resolved, len(rows)), "rows": rows}


def customers_with_open_complaints(*, store_ids, customer_ids, as_of: datetime | None = None) -> set[int]:
    """Of these customers, those with a complaint received by `as_of` and not resolved by then."""
    as_of = as_of or timezone.now()
    resolved_by_then = Q(status__in=RESOLVED_STATUSES, resolved_at__lte=as_of)
    return set(
        Complaint.objects.filter(
            store_id__in=list(store_ids), customer_id__in=list(customer_ids), received_at__lte=as_of
        )
        .exclude(resolved_by_then)
        .values_list("customer_id", flat=True)
        .distinct()
    )
