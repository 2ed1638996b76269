"""Reads over survey results (调查结果汇总, docs/DOMAIN.md §9.4): the satisfaction KPI and the
breakdown by advisor, technician, repair type, store and month with trends.

Periods: `start`/`end` are aware datetimes, half-open [start, end); plain dates are
taken as whole days, both included."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import SATISFIED_MIN_SCORE, SurveyResponse

RATE_PLACES = Decimal("0.0001")


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """A rate 0-1 to 4 places, None when there is nothing to divide by."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def bounds(start, end) -> tuple[datetime, datetime]:
    def as_datetime(value, next_day=False):
        if isinstance(value, datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        day = value + timedelta(days=1) if next_day else value
        return timezone.make_aware(datetime.combine(day, time.min))

    return as_datetime(start), as_datetime(end, next_day=isinstance(end, date) and not isinstance(end, datetime))


def surveyed(*, store_ids, start, end):
    """Completed responses with an overall score, completed in the period."""
    start, end = bounds(start, end)
    return SurveyResponse.objects.completed().filter(
        store_id__in=list(store_ids), completed_at__gte=start, completed_at__lt=end, overall_score__isnull=False
    )


def satisfaction(*, store_ids, start, end) -> dict:
    """满意度 = satisfied (overall 4-5) / surveyed, counted per completed survey (contract).
    One grouped query: a row per customer surveyed (those with a score below 4 are the dissatisfied)."""
    per_customer = list(
        surveyed(store_ids=store_ids, start=start, end=end)
        .order_by("customer_id")
        .values_list("customer_id")
        .annotate(surveyed=Count("id"), satisfied=Count("id", filter=Q(overall_score__gte=SATISFIED_MIN_SCORE)))
    )
    total = sum(n for _c, n, _s in per_customer)
    satisfied = sum(s for _c, _n, s in per_customer)
    return {
        "surveyed": total,
        "satisfied": satisfied,
        "rate": ratio(satisfied, total),
        "dissatisfied_customer_ids": [c for c, n, s in per_customer if s < n],
    }


@dataclass(frozen=True)
class Dimension:
    key: str
    label: str
    label_field: str | None


DIMENSIONS = {
    "advisor": Dimension("advisor_id", _("Service advisor"), "advisor__full_name"),
    "technician": Dimension("technicians__id", _("Technician"), "technicians__full_name"),
    "repair_type": Dimension("repair_type_id", _("Repair type"), "repair_type__name"),
    "store": Dimension("store_id", _("Store"), "store__name"),
    "month": Dimension("month", _("Month"), None),
}


def _grouped(responses, by: str) -> dict:
    dim = DIMENSIONS[by]
    if by == "month":
        responses = responses.annotate(month=TruncMonth("completed_at"))
    fields = [dim.key] + ([dim.label_field] if dim.label_field else [])
    rows = (
        responses.order_by()
        .values(*fields)
        .annotate(
            surveyed=Count("id", distinct=True),
            satisfied=Count("id", filter=Q(overall_score__gte=SATISFIED_MIN_SCORE), distinct=True),
            average=Avg("overall_score"),
        )
    )
    result = {}
    for row in rows:
        key = row[dim.key]
        if by == "month" and key is not None:
            key = timezone.localtime(key).date() if isinstance(key, datetime) else key
        label = row[dim.label_field] if dim.label_field else (key.strftime("%Y-%m") if key else "")
        result[key] = {
            "key": key,
            "label": label or "—",
            "surveyed": row["surveyed"],
            "satisfied": row["satisfied"],
            "rate": ratio(row["satisfied"], row["surveyed"]),
            "average": Decimal(row["average"]).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if row["average"] is not None
            else None,
        }
    return result


def _shift_year(value: datetime, years: int) -> datetime:
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


def results_summary(*, store_ids, start, end, by: str = "advisor", filters: dict | None = None) -> list[dict]:
    """One row per advisor / technician / repair type / store / month with the
    period's numbers, the previous period's rate and the same period last year's."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    start, end = bounds(start, end)
    filters = filters or {}
    length = end - start

    def period(a, b):
        return _grouped(surveyed(store_ids=store_ids, start=a, end=b).filter(**filters), by)

    current = period(start, end)
    previous = period(start - length, start) if by != "month" else {}
    last_year = period(_shift_year(start, -1), _shift_year(end, -1)) if by != "month" else {}
    rows = []
    for key, row in current.items():
        before = previous.get(key, {}).get("rate")
        year_ago = last_year.get(key, {}).get("rate")
        rows.append(
            {
                **row,
                "previous_rate": before,
                "change": row["rate"] - before if row["rate"] is not None and before is not None else None,
                "last_year_rate": year_ago,
                "change_year": row["rate"] - year_ago if row["rate"] is not None and year_ago is not None else None,
            }
        )
    rows.sort(key=lambda r: (str(r["key"]) if by == "month" else str(r["label"])))
    return rows


def results_responses(*, store_ids, start, end, filters: dict | None = None):
    """The responses behind a number (drill-down), newest first."""
    return (
        surveyed(store_ids=store_ids, start=start, end=end)
        .filter(**(filters or {}))
        .select_related("customer", "advisor", "repair_type", "repair_order", "store")
        .order_by("-completed_at", "-id")
    )


def daily_satisfaction(*, store_ids, start, end) -> dict:
    """{(store_id, local day, advisor_id): (surveyed, satisfied)} of the surveys completed start..end,
    counted as `satisfaction` counts them (docs/DOMAIN.md §10.2): one grouped query."""
    from django.db.models.functions import TruncDate

    rows = (
        surveyed(store_ids=store_ids, start=start, end=end)
        .annotate(day=TruncDate("completed_at"))
        .values_list("store_id", "day", "advisor_id")
        .annotate(n=Count("id"), good=Count("id", filter=Q(overall_score__gte=SATISFIED_MIN_SCORE)))
        .order_by()
    )
    return {(store_id, day, advisor_id): (n, good) for store_id, day, advisor_id, n, good in rows}


CAUSE_DISSATISFIED = "dissatisfied"


def satisfaction_kpi(*, store_ids, start, end, as_of=None) -> dict:
    """Satisfaction per completed survey (docs/DOMAIN.md §18.5): satisfied (overall ≥ 4) ÷
    surveyed, completed in [start, end) and by `as_of`. Rows: one per survey, with the
    advisor of the order it was about as the person behind a low score. One query."""
    responses = surveyed(store_ids=store_ids, start=start, end=end)
    if as_of is not None:
        responses = responses.filter(completed_at__lte=as_of)
    rows = [
        {"customer_id": customer_id, "ok": score >= SATISFIED_MIN_SCORE,
         "cause": "" if score >= SATISFIED_MIN_SCORE else CAUSE_DISSATISFIED, "person_id": advisor_id,
         "repair_order_id": order_id, "response_id": pk, "at": completed_at, "score": score}
        for pk, customer_id, score, advisor_id, order_id, completed_at in responses.order_by("completed_at", "id")
        .values_list("id", "customer_id", "overall_score", "advisor_id", "repair_order_id", "completed_at")
    ]  # fmt: skip
    satisfied = sum(1 for row in rows if row["ok"])
    return {"numerator": satisfied, "denominator": len(rows), "rate": ratio(satisfied, len(rows)), "rows": rows}
