"""The monthly CRM report (客户维系与回访月度报告, docs/DOMAIN.md §18.6): the five KPIs of a store's
month with targets, the causes behind each missed target, the trend over the previous 12 months
and the rows behind every number, kept as an append-only snapshot (`CrmReport`). Regenerating
adds a version when a figure changed; `changes` says what changed against the version before."""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from aftercare.core.models import Store

from .kpis import CAUSE_LABELS, CRM_KPI_KEYS, CRM_KPIS, causes, crm_kpis
from .models import CrmReport

SCHEMA = 1
TREND_MONTHS = 12
# Rows kept per KPI in a snapshot: every one, so the drill-down adds up to the number.
ROW_FIELDS = ("customer_id", "ok", "cause", "person_id", "repair_order_id")
READY_BY_DAY = 5


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month, time.min))
    return start, timezone.make_aware(datetime.combine(add_months(month, 1), time.min))


def previous_month(today: date) -> date:
    return add_months(month_start(today), -1)


def _rate_text(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{rate:.4f}"


def _people(ids) -> dict[str, str]:
    ids = {pk for pk in ids if pk}
    return {str(user.pk): str(user) for user in get_user_model().objects.filter(pk__in=ids)}


def _trend(store: Store, month: date, current: dict) -> list[dict]:
    """The rates of the previous 12 months (their newest report version, else computed now) and this one."""
    months = [add_months(month, -n) for n in range(TREND_MONTHS, 0, -1)]
    kept = {
        report.month: {kpi["key"]: kpi["rate"] for kpi in report.figures["kpis"]}
        for report in CrmReport.objects.filter(store=store, month__in=months).latest_versions().only("month", "figures")
    }
    trend = []
    for earlier in months:
        rates = kept.get(earlier)
        if rates is None:
            start, end = month_bounds(earlier)
            rates = {kpi.key: _rate_text(kpi.rate) for kpi in crm_kpis(store_ids=[store.pk], start=start, end=end,
                                                                          as_of=end)}  # fmt: skip
        trend.append({"month": f"{earlier:%Y-%m}", **rates})
    trend.append({"month": f"{month:%Y-%m}", **{kpi["key"]: kpi["rate"] for kpi in current["kpis"]}})
    return trend


def report_figures(*, store: Store, month: date, now: datetime | None = None, with_trend: bool = True) -> dict:
    """Everything the report shows, as JSON-ready values, measured as known `now`."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    kpis = crm_kpis(store_ids=[store.pk], start=start, end=end, as_of=now)
    figures = {
        "schema": SCHEMA,
        "store": {"id": store.pk, "code": store.code, "name": store.name},
        "month": f"{month:%Y-%m}",
        "as_of": now.isoformat(),
        "kpis": [
            {
                "key": kpi.key,
                "rate": _rate_text(kpi.rate),
                "target": _rate_text(kpi.target),
                "numerator": kpi.numerator,
                "denominator": kpi.denominator,
                "met": kpi.met,
            }
            for kpi in kpis
        ],
        "causes": {kpi.key: causes(kpi) for kpi in kpis if kpi.met is False},
        "rows": {kpi.key: [[row[f] for f in ROW_FIELDS] for row in kpi.rows] for kpi in kpis},
    }
    person_ids = {row[3] for rows in figures["rows"].values() for row in rows}
    figures["people"] = _people(person_ids)
    if with_trend:
        figures["trend"] = _trend(store, month, figures)
    return figures


def _comparable(figures: dict) -> tuple:
    return figures["kpis"], figures["rows"]


def crm_report_generate(*, store: Store, month: date, user=None, reason: str = "", now=None,
                        only_if_missing: bool = False) -> tuple[CrmReport, bool]:  # fmt: skip
    """Add the next version of the store's report for `month` when its figures differ from the
    newest version (or there is none). Answers (the newest version, whether it was added).
    `only_if_missing`: the scheduled run, which never adds a second version."""
    month = month_start(month)
    latest = CrmReport.objects.filter(store=store, month=month).order_by("-version").first()
    if latest is not None and only_if_missing:
        return latest, False
    figures = report_figures(store=store, month=month, now=now)
    if latest is not None and _comparable(latest.figures) == _comparable(figures):
        return latest, False
    version = latest.version + 1 if latest else 1
    try:
        with transaction.atomic():
            report = CrmReport.objects.create(
                store=store, month=month, version=version, figures=figures, generated_by=user,
                generated_at=now or timezone.now(), reason=reason[:200],
            )  # fmt: skip
    except IntegrityError:
        # Someone else added this version in the meantime: theirs stands.
        return CrmReport.objects.filter(store=store, month=month).order_by("-version").first(), False
    return report, True


def crm_reports_for_last_month(*, today: date | None = None) -> int:
    """The scheduled run on the 1st: last month's report for every active store, once."""
    today = today or timezone.localdate()
    month = previous_month(today)
    added = 0
    for store in Store.objects.filter(is_active=True).order_by("pk"):
        added += crm_report_generate(store=store, month=month, only_if_missing=True)[1]
    return added


@dataclass
class KpiView:
    key: str
    label: str
    rate: Decimal | None
    target: Decimal | None
    numerator: int
    denominator: int
    met: bool | None
    causes: list


LABELS = {key: label for key, label, *_rest in CRM_KPIS}


def kpi_views(figures: dict) -> list[KpiView]:
    people = figures.get("people", {})
    views = []
    for kpi in figures["kpis"]:
        cause_rows = [
            {**c, "label": CAUSE_LABELS.get(c["cause"], c["cause"]), "person": people.get(str(c["person_id"]), "")}
            for c in figures.get("causes", {}).get(kpi["key"], [])
        ]
        views.append(KpiView(
            kpi["key"], LABELS.get(kpi["key"], kpi["key"]), Decimal(kpi["rate"]) if kpi["rate"] else None,
            Decimal(kpi["target"]) if kpi["target"] else None, kpi["numerator"], kpi["denominator"], kpi["met"],
            cause_rows,
        ))  # fmt: skip
    return views


def changes(previous: CrmReport | None, report: CrmReport) -> list[dict]:
    """What changed against the version before: each KPI whose figures moved, with the
    customers who moved in or out of the numerator."""
    if previous is None:
        return []
    before = {kpi["key"]: kpi for kpi in previous.figures["kpis"]}
    found = []
    for kpi in report.figures["kpis"]:
        old = before.get(kpi["key"])
        if old and (old["numerator"], old["denominator"]) == (kpi["numerator"], kpi["denominator"]):
            continue
        old_ok = {row[0]: row[1] for row in previous.figures["rows"].get(kpi["key"], [])}
        new_ok = {row[0]: row[1] for row in report.figures["rows"].get(kpi["key"], [])}
        found.append({
            "key": kpi["key"], "label": LABELS.get(kpi["key"], kpi["key"]),
            "old_rate": Decimal(old["rate"]) if old and old["rate"] else None,
            "new_rate": Decimal(kpi["rate"]) if kpi["rate"] else None,
            "old": f"{old['numerator']}/{old['denominator']}" if old else "—",
            "new": f"{kpi['numerator']}/{kpi['denominator']}",
            "now_ok": sorted(c for c, ok in new_ok.items() if ok and not old_ok.get(c)),
            "now_missed": sorted(c for c, ok in new_ok.items() if not ok and old_ok.get(c, True)),
        })  # fmt: skip
    return found


def chart_series(figures: dict) -> dict:
    """The trend as series for a chart: months and one line per KPI (percent, None when no value)."""
    trend = figures.get("trend", [])
    return {
        "months": [point["month"] for point in trend],
        "series": [
            {"key": key, "name": str(LABELS[key]),
             "data": [None if point.get(key) is None else float(Decimal(point[key]) * 100) for point in trend]}
            for key in CRM_KPI_KEYS
        ],
    }  # fmt: skip
