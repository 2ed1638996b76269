"""The daily figures (docs/DOMAIN.md §18.3): materialised per store and day from the domain apps'
selectors, set-based over any range of days, and read by the daily, monthly and group reports.

- `figures_materialise(start, end, store_ids)` recomputes every store × day of the range from the
  source rows and replaces the stored rows in one transaction: running it twice changes nothing.
- The services' writes mark the (store, day) they touch (reports.signals); the touched days are
  recomputed after the transaction commits.
- `figures_check(day)` recomputes a day without storing it and lists what differs from the stored
  rows; the nightly check alerts on any difference (reports.tasks).
"""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from aftercare.billing.selectors import daily_payments, money_of
from aftercare.core.models import Store
from aftercare.customers.selectors import daily_new_customers
from aftercare.service.selectors import daily_open_orders, daily_order_figures
from aftercare.surveys.selectors import daily_satisfaction
from aftercare.workshop.models import hours_from_seconds
from aftercare.workshop.selectors import daily_technician_hours

from .models import DailyFigure, DailyPersonFigure

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
# A technician who clocked on a day was available for a working day of this many hours (there is
# no rota in the system): utilisation = clocked ÷ available (docs/DOMAIN.md §18.3).
WORKDAY_HOURS = Decimal("8.00")
# Ranges are materialised in slices of this many days, so memory stays that of one slice.
SLICE_DAYS = 31

STORE_FIELDS = (
    "arrivals", "deliveries", "same_day_deliveries", "open_orders", "revenue_labour", "revenue_parts",
    "revenue_other", "revenue_discount", "revenue", "additional_sold", "payments", "payments_total",
    "clocked_hours", "frt_hours", "available_hours", "jobs_finished", "new_customers", "surveyed", "satisfied",
)  # fmt: skip
PERSON_FIELDS = (
    "arrivals", "deliveries", "revenue", "additional_sold", "surveyed", "satisfied", "clocked_hours", "frt_hours",
    "available_hours", "jobs_finished",
)  # fmt: skip


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def figures_compute(*, store_ids, start: date, end: date) -> tuple[list[DailyFigure], list[DailyPersonFigure]]:
    """Unsaved rows for every store × day of start..end, from the source (eight grouped queries)."""
    store_ids = sorted(store_ids)
    orders = daily_order_figures(store_ids=store_ids, start=start, end=end)
    open_orders = daily_open_orders(store_ids=store_ids, start=start, end=end)
    payments = daily_payments(store_ids=store_ids, start=start, end=end)
    hours = daily_technician_hours(store_ids=store_ids, start=start, end=end)
    surveys = daily_satisfaction(store_ids=store_ids, start=start, end=end)
    new_customers = daily_new_customers(store_ids=store_ids, start=start, end=end)
    now = timezone.now()

    stores = {
        (s, d): DailyFigure(store_id=s, day=d, open_orders=open_orders.get((s, d), 0), computed_at=now)
        for s in store_ids
        for d in _days(start, end)
    }
    people: dict[tuple, DailyPersonFigure] = {}

    def person(store_id, day, role, person_id) -> DailyPersonFigure:
        key = (store_id, day, role, person_id)
        if key not in people:
            people[key] = DailyPersonFigure(store_id=store_id, day=day, role=role, person_id=person_id)
        return people[key]

    for (s, d, advisor_id), o in orders.items():
        f = stores[(s, d)]
        f.arrivals += o["arrivals"]
        f.deliveries += o["deliveries"]
        f.same_day_deliveries += o["same_day"]
        f.revenue_labour += o["labour"]
        f.revenue_parts += o["parts"]
        f.revenue_other += o["other"]
        f.revenue_discount += o["discount"]
        f.revenue += o["revenue"]
        f.additional_sold += o["additional"]
        if advisor_id:
            p = person(s, d, DailyPersonFigure.Role.ADVISOR, advisor_id)
            p.arrivals, p.deliveries = o["arrivals"], o["deliveries"]
            p.revenue, p.additional_sold = o["revenue"], o["additional"]
    for (s, d), by_method in payments.items():
        f = stores[(s, d)]
        f.payments = {
            method: str(Decimal(amount).quantize(CENT)) for method, amount in sorted(by_method.items()) if amount
        }
        f.payments_total = money_of(by_method)
    for (s, d, tech_id), h in hours.items():
        f = stores[(s, d)]
        clocked = hours_from_seconds(h["clocked_seconds"])
        available = WORKDAY_HOURS if h["clocked_seconds"] else ZERO
        f.clocked_hours += clocked
        f.frt_hours += h["frt_hours"]
        f.available_hours += available
        f.jobs_finished += h["jobs"]
        if tech_id:
            p = person(s, d, DailyPersonFigure.Role.TECHNICIAN, tech_id)
            p.clocked_hours, p.frt_hours, p.available_hours, p.jobs_finished = (
                clocked,
                h["frt_hours"],
                available,
                h["jobs"],
            )
    for (s, d, advisor_id), (n, good) in surveys.items():
        f = stores[(s, d)]
        f.surveyed += n
        f.satisfied += good
        if advisor_id:
            p = person(s, d, DailyPersonFigure.Role.ADVISOR, advisor_id)
            p.surveyed, p.satisfied = n, good
    for (s, d), n in new_customers.items():
        stores[(s, d)].new_customers = n
    return list(stores.values()), list(people.values())


def figures_materialise(*, start: date, end: date, store_ids=None) -> int:
    """Recompute and replace the figures of every store (or of `store_ids`) for start..end, a slice
    of days at a time; idempotent. Returns the number of store-days written."""
    store_ids = sorted(store_ids if store_ids is not None else Store.objects.values_list("pk", flat=True))
    written = 0
    slice_start = start
    while slice_start <= end and store_ids:
        slice_end = min(end, slice_start + timedelta(days=SLICE_DAYS - 1))
        stores, people = figures_compute(store_ids=store_ids, start=slice_start, end=slice_end)
        with transaction.atomic():
            DailyFigure.objects.filter(store_id__in=store_ids, day__gte=slice_start, day__lte=slice_end).delete()
            DailyPersonFigure.objects.filter(store_id__in=store_ids, day__gte=slice_start, day__lte=slice_end).delete()
            DailyFigure.objects.bulk_create(stores, batch_size=2000)
            DailyPersonFigure.objects.bulk_create(people, batch_size=2000)
        written += len(stores)
        slice_start = slice_end + timedelta(days=1)
    return written


def _comparable(row, fields) -> dict:
    values = {}
    for name in fields:
        value = getattr(row, name)
        if name == "payments":
            value = {k: Decimal(v) for k, v in value.items()}
        values[name] = value
    return values


def figures_check(*, day: date, store_ids=None) -> list[str]:
    """What differs between the stored figures of `day` and a fresh computation from the source,
    as readable lines ("store 3 2026-12-01 revenue: stored 100.00, source 120.00"); empty when equal."""
    store_ids = sorted(store_ids if store_ids is not None else Store.objects.values_list("pk", flat=True))
    fresh_stores, fresh_people = figures_compute(store_ids=store_ids, start=day, end=day)
    stored_stores = {f.store_id: f for f in DailyFigure.objects.filter(store_id__in=store_ids, day=day)}
    stored_people = {
        (p.store_id, p.role, p.person_id): p for p in DailyPersonFigure.objects.filter(store_id__in=store_ids, day=day)
    }
    problems = []
    for fresh in fresh_stores:
        stored = stored_stores.get(fresh.store_id)
        if stored is None:
            problems.append(f"store {fresh.store_id} {day}: no stored figures")
            continue
        want, have = _comparable(fresh, STORE_FIELDS), _comparable(stored, STORE_FIELDS)
        problems += [
            f"store {fresh.store_id} {day} {name}: stored {have[name]}, source {want[name]}"
            for name in STORE_FIELDS
            if want[name] != have[name]
        ]
    fresh_keys = set()
    for fresh in fresh_people:
        key = (fresh.store_id, fresh.role, fresh.person_id)
        fresh_keys.add(key)
        stored = stored_people.get(key)
        want = _comparable(fresh, PERSON_FIELDS)
        have = _comparable(stored, PERSON_FIELDS) if stored else None
        if have != want:
            problems.append(
                f"store {fresh.store_id} {day} {fresh.role} {fresh.person_id}: stored {have}, source {want}"
            )
    problems += [
        f"store {key[0]} {day} {key[1]} {key[2]}: stored but not in the source"
        for key in stored_people
        if key not in fresh_keys
    ]
    return problems


# --- reading (what the daily, monthly and group reports use) -------------------------------------------

SUMMED = tuple(name for name in STORE_FIELDS if name != "payments")
PERSON_SUMMED = PERSON_FIELDS


def figures_sum(*, store_ids, start: date, end: date, by: tuple[str, ...] = ()) -> list[dict]:
    """The stored figures of start..end added up, grouped by `by` (e.g. ("day",), ("store_id",), ()):
    one grouped query over at most stores × days rows. Orders not yet delivered are a stock: added up
    across the stores of one day, never over days, so they come only grouped by day."""
    from django.db.models import Sum

    rows = DailyFigure.objects.filter(store_id__in=list(store_ids), day__gte=start, day__lte=end)
    sums = {name: Sum(name) for name in SUMMED if name != "open_orders" or "day" in by}
    if by:
        result = list(rows.values(*by).annotate(**sums).order_by(*by))
    else:
        result = [rows.aggregate(**sums)]
    for row in result:
        for name in sums:
            row[name] = row[name] or 0
    return result


def open_orders_on(*, store_ids, day: date, by_store: bool = False):
    """Orders not yet delivered at the end of `day` (a stock, not a flow: never added over days)."""
    rows = DailyFigure.objects.filter(store_id__in=list(store_ids), day=day)
    if by_store:
        return dict(rows.values_list("store_id", "open_orders"))
    return sum(rows.values_list("open_orders", flat=True))


def payments_sum(*, store_ids, start: date, end: date, by_store: bool = False) -> dict:
    """{method: amount} (or {store_id: {method: amount}}) of start..end from the stored figures."""
    result: dict = {}
    rows = DailyFigure.objects.filter(store_id__in=list(store_ids), day__gte=start, day__lte=end).exclude(payments={})
    for store_id, payments in rows.values_list("store_id", "payments"):
        target = result.setdefault(store_id, {}) if by_store else result
        for method, amount in payments.items():
            target[method] = target.get(method, ZERO) + Decimal(amount)
    return result


def person_sums(*, store_ids, start: date, end: date, role: str, person_id: int | None = None) -> list[dict]:
    """Each advisor's or technician's figures of start..end added up (person_id, person name, ...)."""
    from django.db.models import Sum

    rows = DailyPersonFigure.objects.filter(store_id__in=list(store_ids), day__gte=start, day__lte=end, role=role)
    if person_id:
        rows = rows.filter(person_id=person_id)
    result = list(
        rows.values("person_id", "person__full_name", "person__username")
        .annotate(**{name: Sum(name) for name in PERSON_SUMMED})
        .order_by("person__full_name", "person_id")
    )
    for row in result:
        row["name"] = row.pop("person__full_name") or row.pop("person__username")
        row.pop("person__username", None)
    return result
