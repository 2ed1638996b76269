"""The monthly reports (月报, seed 003 DMS 6.2; docs/DOMAIN.md §18.7), declared on reports/framework.py.

Each report is a few grouped queries over the period's rows (orders opened or delivered in it, calls
due in it, complaints received in it...), never over all history; every number with a drill-down
lists the orders or customers behind it. The shared pieces come first: the period's orders, the
grouped queries, the columns most reports show, and the report bases (rows of orders grouped by one
field, rows of days, rows per choice); each report then declares only what is its own."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.billing.models import Payment
from aftercare.catalog.models import RepairType
from aftercare.complaints.choices import RESOLVED_STATUSES, ComplaintType
from aftercare.complaints.models import Complaint
from aftercare.crm.choices import DeclineReason, Outcome
from aftercare.crm.models import SolicitationEntry
from aftercare.customers.models import ClassChange, Customer, Vehicle
from aftercare.followups.choices import Kind, ProblemCategory, ProblemStatus, TaskStatus
from aftercare.followups.models import FollowUpProblem, FollowUpTask
from aftercare.service.choices import LineKind, LineStatus, Payer, Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.surveys.models import SATISFIED_MIN_SCORE, SurveyResponse

from .framework import Chart, Column, Filters, Report, ratio, ratio_column, register, text_column
from .models import DailyFigure, ProfitSettings

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# An order owing less than this is paid (rounding).
HALF_CENT = Decimal("0.005")


def bounds(f: Filters) -> tuple[datetime, datetime]:
    """The period's inclusive local days as a half-open range of aware datetimes."""
    start = timezone.make_aware(datetime.combine(f.start, time.min))
    return start, timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min))


def orders(f: Filters):
    """The stores' orders not cancelled, of the advisor when one is chosen."""
    found = RepairOrder.objects.filter(store_id__in=f.store_ids).exclude(status=Status.CANCELLED)
    return found.filter(advisor_id=f.advisor_id) if f.advisor_id else found


def arrivals(f: Filters):
    start, end = bounds(f)
    return orders(f).filter(opened_at__gte=start, opened_at__lt=end)


def deliveries(f: Filters):
    start, end = bounds(f)
    return orders(f).filter(status=Status.DELIVERED, closed_at__gte=start, closed_at__lt=end)


def _lines(delivered, **where):
    """The lines of the orders delivered that the customer did not decline."""
    return RepairOrderLine.objects.filter(repair_order__in=delivered, **where).exclude(status=LineStatus.DECLINED)


def _additional_lines(delivered):
    """The additional work sold on the orders delivered: its lines approved (§18.7 management items)."""
    return RepairOrderLine.objects.filter(repair_order__in=delivered, is_additional=True, status=LineStatus.APPROVED)


def _figures(f: Filters):
    """The stores' daily figures (materialised nightly and after each write) of the period."""
    return DailyFigure.objects.filter(store_id__in=f.store_ids, day__gte=f.start, day__lte=f.end).order_by()


def _on_day(queryset, field: str, key):
    if not key:
        return queryset
    start = timezone.make_aware(datetime.combine(datetime.strptime(key, "%Y-%m-%d").date(), time.min))
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": start + timedelta(days=1)})


def narrowed(found, key, field: str, cast=int):
    """`found` narrowed to the row whose `field` is `key`; the totals row (no key) stands for all of it."""
    return found.filter(**{field: cast(key)}) if key else found


def _customers_of(found, field: str = "customer_id"):
    return Customer.objects.filter(pk__in=found.values(field))


# --- grouped queries: one query, one dict keyed by the group -----------------------------------------


def rows_by(found, *by: str, ordered: bool = False, **aggregates) -> dict:
    """{a group's value of `by` (a tuple when more than one field): its row of aggregates}, in the
    database's order of `by` when `ordered` (free text sorts by the database's collation)."""
    grouped = found.order_by().values(*by).annotate(**aggregates)
    grouped = grouped.order_by(*by) if ordered else grouped
    return {(row[by[0]] if len(by) == 1 else tuple(row[b] for b in by)): row for row in grouped}


def values_by(found, *by: str, value=None, ordered: bool = False) -> dict:
    """{a group's value of `by`: one aggregate of it}, how many rows unless `value` says otherwise."""
    grouped = rows_by(found, *by, ordered=ordered, value=value or Count("id"))
    return {group: row["value"] for group, row in grouped.items()}


# Of the orders delivered: their charges by kind and their revenue.
AMOUNTS = {
    "labour": Sum("labour_total"), "parts": Sum("parts_total"), "other": Sum("other_total"), "revenue": Sum("total"),
}  # fmt: skip


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


def amounts(row: dict, *keys: str) -> dict:
    """The money `keys` of a grouped row, to the cent, 0.00 where the group has none."""
    return {key: _money(row.get(key)) for key in keys}


def per_delivery(revenue, delivered) -> Decimal | None:
    return (revenue / delivered).quantize(Decimal("0.01")) if delivered else None


def with_shares(rows: list[dict], of: str) -> list[dict]:
    """Each row with its "share" of the rows' total of `of` (a pie's slices)."""
    total = sum(row[of] for row in rows)
    return [{**row, "share": ratio(row[of], total)} for row in rows]


def _month_shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return first.replace(year=index // 12, month=index % 12 + 1)


# --- the columns most reports show ---------------------------------------------------------------------

DAY = Column("day", _("Day"), kind="date", total=None)
REPAIR_TYPE = text_column("repair_type", _("Repair type"))
ARRIVALS = Column("arrivals", _("Arrivals"), drill="arrival_orders")
DELIVERIES = Column("deliveries", _("Deliveries"), drill="delivered_orders")
CHARGES = (
    Column("labour", _("Labour"), kind="money"),
    Column("parts", _("Parts"), kind="money"),
    Column("other", _("Other"), kind="money"),
)
REVENUE = Column("revenue", _("Revenue"), kind="money")
AVERAGE = Column("average", _("Average per delivery"), kind="money",
                 total=lambda t: per_delivery(t["revenue"], t["deliveries"]))  # fmt: skip
SHARE = Column("share", _("Share"), kind="pct", total=None)


# --- the report bases --------------------------------------------------------------------------------


class MonthlyReport(Report):
    """A monthly report (§18.7): in the monthly section, of a month or a range unless it says otherwise."""

    section = "monthly"
    periods = ("month", "range")


class OrdersBy(MonthlyReport):
    """Rows of the period's orders grouped by their field `by` (a row's key is its id): a row's arrivals
    and deliveries drill down to its orders, of the advisor when one is chosen."""

    has_advisor = True
    by = ""

    def of_row(self, found, key):
        return narrowed(found, key, self.by)

    def arrival_orders(self, f, key):
        return self.of_row(arrivals(f), key)

    def delivered_orders(self, f, key):
        return self.of_row(deliveries(f), key)


class DayByDay(OrdersBy):
    """A row per day of the period, summed from the daily figures (`figure_sums`); from the orders
    when an advisor is chosen (`order_sums`), the figures not being split by advisor. `cells` makes a
    day's or a store's numbers of either; the group roll-up is one grouped query over the figures."""

    figure_sums: dict = {}

    def order_sums(self, f) -> dict:
        raise NotImplementedError

    def cells(self, sums: dict) -> dict:
        raise NotImplementedError

    def rows(self, f):
        sums = self.order_sums(f) if f.advisor_id else rows_by(_figures(f), "day", **self.figure_sums)
        for day in f.days:
            yield {"key": day.isoformat(), "day": day, **self.cells(sums.get(day, {}))}

    def by_store(self, f):
        if f.advisor_id:
            return super().by_store(f)
        sums = rows_by(_figures(f), "store_id", **self.figure_sums)
        return [{"store": s.name, "store_id": s.pk, **self.cells(sums.get(s.pk, {}))} for s in f.stores]

    def arrival_orders(self, f, key):
        return _on_day(arrivals(f), "opened_at", key)

    def delivered_orders(self, f, key):
        return _on_day(deliveries(f), "closed_at", key)


class PerChoice(MonthlyReport):
    """Rows of the period's calls, complaints or problems (`source`) counted (`counts`) per choice of
    their field `by`, in the choices' order, a choice with none left out; `cells` makes a row's numbers.
    A count drills down to the customers behind it."""

    by = ""
    choices = ()
    counts: dict = {}

    def source(self, f):
        raise NotImplementedError

    def cells(self, counted: dict) -> dict:
        raise NotImplementedError

    def rows(self, f):
        counted = rows_by(self.source(f), self.by, **self.counts)
        for value, label in self.choices:
            if value in counted:
                yield {"key": value, self.columns[0].key: str(label), **self.cells(counted[value])}

    def customers_of(self, f, key, *where):
        return _customers_of(narrowed(self.source(f).filter(*where), key, self.by, cast=str))

    def customers(self, f, key):
        """The customers of all a row's calls, complaints or problems."""
        return self.customers_of(f, key)


# --- 6.2.1 store monthly report, 6.2.10 same-day delivery -------------------------------------------


@register
class StoreMonthly(DayByDay):
    slug = "m-store-monthly"
    title = _("Store monthly report")
    description = _("Arrivals, deliveries and revenue of each day of the month (售后服务店月报表).")
    columns = (DAY, ARRIVALS, DELIVERIES, *CHARGES, replace(REVENUE, drill="delivered_orders"))
    chart = Chart("bar", x="day", series=("arrivals", "deliveries"))
    rank_by = "revenue"
    figure_sums = {
        "arrivals": Sum("arrivals"), "deliveries": Sum("deliveries"), "labour": Sum("revenue_labour"),
        "parts": Sum("revenue_parts"), "other": Sum("revenue_other"), "revenue": Sum("revenue"),
    }  # fmt: skip

    def order_sums(self, f):
        came = rows_by(arrivals(f).annotate(day=TruncDate("opened_at")), "day", arrivals=Count("id"))
        done = rows_by(deliveries(f).annotate(day=TruncDate("closed_at")), "day", deliveries=Count("id"), **AMOUNTS)
        return {day: {**came.get(day, {}), **done.get(day, {})} for day in came.keys() | done.keys()}

    def cells(self, sums):
        return {
            "arrivals": sums.get("arrivals") or 0, "deliveries": sums.get("deliveries") or 0,
            **amounts(sums, "labour", "parts", "other", "revenue"),
        }  # fmt: skip


@register
class SameDayDelivery(DayByDay):
    slug = "m-same-day-delivery"
    title = _("Same-day delivery rate")
    description = _("Orders delivered on the day they were opened ÷ orders delivered (当日交车率).")
    columns = (
        DAY,
        Column("delivered", _("Delivered"), drill="delivered_orders"),
        Column("same_day", _("Same day"), drill="same_day_orders"),
        ratio_column("rate", _("Rate"), "same_day", "delivered"),
    )
    chart = Chart("line", x="day", series=("rate",))
    rank_by = "rate"
    figure_sums = {"delivered": Sum("deliveries"), "same_day": Sum("same_day_deliveries")}

    def order_sums(self, f):
        return rows_by(
            deliveries(f).annotate(day=TruncDate("closed_at"), opened=TruncDate("opened_at")), "day",
            delivered=Count("id"), same_day=Count("id", filter=Q(opened=F("day"))),
        )  # fmt: skip

    def cells(self, sums):
        n, same = sums.get("delivered") or 0, sums.get("same_day") or 0
        return {"delivered": n, "same_day": same, "rate": ratio(same, n)}

    def same_day_orders(self, f, key):
        return (
            self.delivered_orders(f, key).annotate(d=TruncDate("closed_at"), o=TruncDate("opened_at")).filter(d=F("o"))
        )


# --- 6.2.3 KPI analysis -------------------------------------------------------------------------------------


@register
class KpiAnalysis(MonthlyReport):
    slug = "m-kpi-analysis"
    title = _("KPI analysis")
    description = _(
        "The month and the 11 before it, from the daily figures: arrivals, deliveries, revenue, average per "
        "delivery, same-day delivery, new customers, satisfaction, technician efficiency (经营指标月分析表)."
    )
    periods = ("month",)
    columns = (
        text_column("month", _("Month")),
        ARRIVALS,
        replace(DELIVERIES, drill=""),
        REVENUE,
        AVERAGE,
        ratio_column("same_day", _("Same-day delivery"), "_same_day", "deliveries"),
        Column("new_customers", _("New customers")),
        ratio_column("satisfaction", _("Satisfaction"), "_satisfied", "_surveyed"),
        ratio_column("efficiency", _("Efficiency"), "_frt", "_clocked"),
    )
    chart = Chart("line", x="month", series=("arrivals", "deliveries"))
    rank_by = "revenue"

    def _months(self, f):
        return _month_shift(f.start.replace(day=1), -11), f.end

    def rows(self, f):
        since, until = self._months(f)
        sums = rows_by(
            DailyFigure.objects.filter(store_id__in=f.store_ids, day__gte=since, day__lte=until)
            .annotate(m=TruncMonth("day")), "m",
            arrivals=Sum("arrivals"), deliveries=Sum("deliveries"), revenue=Sum("revenue"),
            same=Sum("same_day_deliveries"), new=Sum("new_customers"), surveyed=Sum("surveyed"),
            satisfied=Sum("satisfied"), frt=Sum("frt_hours"), clocked=Sum("clocked_hours"),
        )  # fmt: skip
        month = since
        while month <= until:
            d = sums.get(month, {})
            n, revenue = d.get("deliveries") or 0, _money(d.get("revenue"))
            yield {
                "key": f"{month:%Y-%m}", "month": f"{month:%Y-%m}", "arrivals": d.get("arrivals") or 0,
                "deliveries": n, "revenue": revenue, "average": per_delivery(revenue, n),
                "same_day": ratio(d.get("same") or 0, n), "_same_day": d.get("same") or 0,
                "new_customers": d.get("new") or 0, "satisfaction": ratio(d.get("satisfied") or 0, d.get("surveyed")),
                "_surveyed": d.get("surveyed") or 0, "_satisfied": d.get("satisfied") or 0,
                "efficiency": ratio(d.get("frt"), d.get("clocked")), "_frt": d.get("frt") or ZERO,
                "_clocked": d.get("clocked") or ZERO,
            }  # fmt: skip
            month = _month_shift(month, 1)

    def arrival_orders(self, f, key):
        if not key:
            since, _until = self._months(f)
            return orders(f).filter(opened_at__gte=bounds(replace(f, start=since))[0], opened_at__lt=bounds(f)[1])
        first = date(*(int(x) for x in key.split("-")), 1)
        return arrivals(replace(f, start=first, end=min(_month_shift(first, 1) - timedelta(days=1), f.end)))


# --- 6.2.2 business statistics, 6.2.12 deliveries by repair type, 6.2.4 service profit ----------------


def _repair_types(ids) -> dict[int, RepairType]:
    return {t.pk: t for t in RepairType.objects.filter(pk__in=ids)}


def _type_name(types: dict, pk) -> str:
    return types[pk].name if pk in types else "—"


class OrdersByRepairType(OrdersBy):
    by = "repair_type_id"


@register
class BusinessStatistics(OrdersByRepairType):
    slug = "m-business-statistics"
    title = _("Business statistics")
    description = _("Arrivals, deliveries and revenue per repair type (售后服务业务统计表).")
    columns = (
        REPAIR_TYPE, ARRIVALS, DELIVERIES, REVENUE, AVERAGE,
        Column("share", _("Share of revenue"), kind="pct", total=None),
    )  # fmt: skip
    chart = Chart("pie", x="repair_type", series=("revenue",))
    rank_by = "revenue"

    def rows(self, f):
        came = values_by(arrivals(f), "repair_type_id")
        done = rows_by(deliveries(f), "repair_type_id", n=Count("id"), revenue=Sum("total"))
        rows = []
        for pk, repair_type in sorted(_repair_types(came.keys() | done.keys()).items(), key=lambda i: i[1].code):
            n, revenue = done.get(pk, {}).get("n", 0), _money(done.get(pk, {}).get("revenue"))
            rows.append({
                "key": str(pk), "repair_type": repair_type.name, "arrivals": came.get(pk, 0), "deliveries": n,
                "revenue": revenue, "average": per_delivery(revenue, n),
            })  # fmt: skip
        return with_shares(rows, "revenue")


@register
class DeliveriesByRepairType(OrdersByRepairType):
    slug = "m-deliveries-by-repair-type"
    title = _("Deliveries by repair type")
    description = _("Orders delivered per repair type with labour, parts and other charges (修理种类交车明细).")
    columns = (
        REPAIR_TYPE, DELIVERIES, *CHARGES, Column("discount", _("Discount"), kind="money"), REVENUE
    )  # fmt: skip
    chart = Chart("bar", x="repair_type", series=("deliveries",))
    rank_by = "deliveries"

    def rows(self, f):
        done = rows_by(deliveries(f), "repair_type_id", n=Count("id"), discount=Sum("discount_total"), **AMOUNTS)
        types = _repair_types(done)
        for rt in sorted(done):
            yield {
                "key": str(rt), "repair_type": _type_name(types, rt), "deliveries": done[rt]["n"],
                **amounts(done[rt], "labour", "parts", "other", "discount", "revenue"),
            }  # fmt: skip


@register
class ServiceProfit(OrdersByRepairType):
    slug = "m-service-profit"
    title = _("Service profit")
    description = _(
        "Revenue − parts cost − labour cost of the orders delivered (服务收益月报). Parts cost is the stock cost "
        "of the parts issued to them; labour cost is their FRT hours at the store's labour cost per hour."
    )
    columns = (
        REPAIR_TYPE,
        DELIVERIES,
        REVENUE,
        Column("parts_cost", _("Parts cost"), kind="money"),
        Column("labour_cost", _("Labour cost"), kind="money"),
        Column("profit", _("Profit"), kind="money"),
        ratio_column("margin", _("Margin"), "profit", "revenue"),
    )
    chart = Chart("bar", x="repair_type", series=("revenue", "profit"))
    rank_by = "profit"

    def rows(self, f):
        from aftercare.parts.selectors import parts_cost_of_orders

        delivered = deliveries(f)
        rate = ProfitSettings.labour_cost_rate(f.store_ids)
        hours = values_by(_lines(delivered, kind=LineKind.LABOUR), "repair_order__repair_type_id", value=Sum("hours"))
        cost = parts_cost_of_orders(delivered, by="repair_order__repair_type_id")
        done = rows_by(delivered, "repair_type_id", n=Count("id"), revenue=Sum("total"))
        types = _repair_types(done)
        for rt in sorted(done):
            revenue, parts = _money(done[rt]["revenue"]), _money(cost.get(rt))
            labour = _money((hours.get(rt) or ZERO) * rate)
            profit = revenue - parts - labour
            yield {
                "key": str(rt), "repair_type": _type_name(types, rt), "deliveries": done[rt]["n"],
                "revenue": revenue, "parts_cost": parts, "labour_cost": labour, "profit": profit,
                "margin": ratio(profit, revenue),
            }  # fmt: skip

    def extra_context(self, f):
        return {"note": _("Labour cost per hour: ¥%(rate)s") % {"rate": ProfitSettings.labour_cost_rate(f.store_ids)}}


# --- 6.2.6 management items, 6.2.15 arrivals and amounts by vehicle ----------------------------------


def _with_marks(found):
    """Orders marked: discounted, additional work approved, a job sent back as rework."""
    from django.db.models import Exists

    from aftercare.workshop.models import Job

    extra = RepairOrderLine.objects.filter(repair_order=OuterRef("pk"), is_additional=True,
                                           status=LineStatus.APPROVED)  # fmt: skip
    return found.annotate(
        _extra=Exists(extra), _rework=Exists(Job.objects.filter(repair_order=OuterRef("pk"), rework_count__gt=0))
    )


@register
class ManagementItems(OrdersByRepairType):
    slug = "m-management-items"
    title = _("Management items")
    description = _("Per repair type, the orders delivered with their labour, parts and other amounts, the "
                    "discounts given, the additional work sold and the reworks (管理项目统计报表).")  # fmt: skip
    columns = (
        REPAIR_TYPE,
        DELIVERIES,
        *CHARGES,
        REVENUE,
        Column("discounted", _("Orders discounted"), drill="discounted_orders"),
        Column("discount", _("Discount"), kind="money"),
        Column("additional", _("Orders with additional work"), drill="additional_orders"),
        Column("additional_amount", _("Additional work sold"), kind="money"),
        Column("reworks", _("Orders with rework"), drill="rework_orders"),
    )
    chart = Chart("bar", x="repair_type", series=("deliveries", "discounted", "additional", "reworks"))
    rank_by = "revenue"

    def rows(self, f):
        delivered = deliveries(f)
        extra = values_by(_additional_lines(delivered), "repair_order__repair_type_id", value=Sum("amount"))
        done = rows_by(
            _with_marks(delivered), "repair_type_id", n=Count("id"), **AMOUNTS, discount=Sum("discount_total"),
            discounted=Count("id", filter=Q(discount_total__gt=0)), additional=Count("id", filter=Q(_extra=True)),
            reworks=Count("id", filter=Q(_rework=True)),
        )  # fmt: skip
        types = _repair_types(done)
        for rt in sorted(done):
            row = done[rt]
            yield {
                "key": str(rt), "repair_type": _type_name(types, rt), "deliveries": row["n"],
                **amounts(row, "labour", "parts", "other", "revenue"), "discounted": row["discounted"],
                "discount": _money(row["discount"]), "additional": row["additional"],
                "additional_amount": _money(extra.get(rt)), "reworks": row["reworks"],
            }  # fmt: skip

    def discounted_orders(self, f, key):
        return self.delivered_orders(f, key).filter(discount_total__gt=0)

    def additional_orders(self, f, key):
        return _with_marks(self.delivered_orders(f, key)).filter(_extra=True)

    def rework_orders(self, f, key):
        return _with_marks(self.delivered_orders(f, key)).filter(_rework=True)


def _model_key(brand: str, model: str) -> str:
    return f"{brand}|{model}"


@register
class ArrivalsByVehicle(OrdersBy):
    slug = "m-arrivals-by-vehicle"
    title = _("Arrivals and amounts by vehicle model")
    description = _("Per brand and model: arrivals, deliveries and the revenue of the orders delivered "
                    "(车辆来厂台次及金额分析表).")  # fmt: skip
    columns = (text_column("vehicle_model", _("Vehicle model")), ARRIVALS, DELIVERIES, *CHARGES, REVENUE, AVERAGE)
    chart = Chart("bar", x="vehicle_model", series=("arrivals", "deliveries"))
    rank_by = "revenue"

    @staticmethod
    def _per_model(grouped: dict) -> dict:
        return {_model_key(*brand_model): value for brand_model, value in grouped.items()}

    def rows(self, f):
        came = self._per_model(values_by(arrivals(f), "vehicle__brand", "vehicle__model"))
        done = self._per_model(rows_by(deliveries(f), "vehicle__brand", "vehicle__model", n=Count("id"), **AMOUNTS))
        for key in sorted(set(came) | set(done)):
            d = done.get(key, {})
            n, revenue = d.get("n", 0), _money(d.get("revenue"))
            yield {
                "key": key, "vehicle_model": key.replace("|", " "), "arrivals": came.get(key, 0), "deliveries": n,
                **amounts(d, "labour", "parts", "other"), "revenue": revenue, "average": per_delivery(revenue, n),
            }  # fmt: skip

    def of_row(self, found, key):
        if not key:
            return found
        brand, _sep, model = key.partition("|")
        return found.filter(vehicle__brand=brand, vehicle__model=model)


# --- 6.2.5 revenue summary ---------------------------------------------------------------------------


@register
class RevenueSummary(MonthlyReport):
    slug = "m-revenue-summary"
    title = _("Revenue summary")
    description = _("Revenue of the orders delivered by kind of line and who pays (营业额月报汇总).")
    has_advisor = True
    columns = (
        text_column("kind", _("Kind")),
        *(Column(payer, label, kind="money") for payer, label in Payer.choices),
        Column("total", _("Total"), kind="money"),
    )
    chart = Chart("pie", x="kind", series=("total",))
    rank_by = "total"

    def rows(self, f):
        summed = values_by(_lines(deliveries(f)), "kind", "payer", value=Sum("amount"))
        for kind, label in LineKind.choices:
            row = {"key": kind, "kind": str(label)}
            for payer, _label in Payer.choices:
                row[payer] = _money(summed[kind, payer]) if (kind, payer) in summed else ZERO
            row["total"] = sum((row[p] for p, _l in Payer.choices), ZERO)
            yield row


# --- 6.2.7-6.2.9 advisor and technician performance ---------------------------------------------------


def _name(user) -> str:
    return (user.full_name or user.username) if user else "—"


def _people(ids) -> dict:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.in_bulk(ids)


@register
class AdvisorPerformance(OrdersBy):
    slug = "m-advisor-performance"
    title = _("Advisor performance")
    description = _("Per service advisor: arrivals, deliveries, revenue, additional work sold, satisfaction.")
    periods = ("month", "range", "day")
    by = "advisor_id"
    columns = (
        text_column("advisor", _("Service advisor")),
        ARRIVALS,
        DELIVERIES,
        REVENUE,
        Column("additional", _("Additional work sold"), kind="money"),
        Column("_surveyed", _("Surveyed"), total="sum"),
        ratio_column("satisfaction", _("Satisfaction"), "_satisfied", "_surveyed"),
    )
    chart = Chart("bar", x="advisor", series=("revenue",))
    rank_by = "revenue"

    def rows(self, f):
        start, end = bounds(f)
        came = values_by(arrivals(f), "advisor_id")
        done = rows_by(deliveries(f), "advisor_id", n=Count("id"), revenue=Sum("total"))
        extra = values_by(_additional_lines(deliveries(f)), "repair_order__advisor_id", value=Sum("amount"))
        surveys = SurveyResponse.objects.completed().filter(
            store_id__in=f.store_ids, completed_at__gte=start, completed_at__lt=end, overall_score__isnull=False
        )
        if f.advisor_id:
            surveys = surveys.filter(advisor_id=f.advisor_id)
        scored = rows_by(surveys, "advisor_id", n=Count("id"),
                         satisfied=Count("id", filter=Q(overall_score__gte=SATISFIED_MIN_SCORE)))  # fmt: skip
        ids = {i for i in (*came, *done, *scored) if i}
        people = _people(ids)
        for pk in sorted(ids, key=lambda i: _name(people.get(i))):
            d, s = done.get(pk, {}), scored.get(pk, {})
            surveyed, satisfied = s.get("n", 0), s.get("satisfied", 0)
            yield {
                "key": str(pk), "advisor": _name(people.get(pk)), "arrivals": came.get(pk, 0),
                "deliveries": d.get("n", 0), "revenue": _money(d.get("revenue")), "additional": _money(extra.get(pk)),
                "_surveyed": surveyed, "_satisfied": satisfied, "satisfaction": ratio(satisfied, surveyed),
            }  # fmt: skip


@register
class TechnicianPerformance(MonthlyReport):
    slug = "m-technician-performance"
    title = _("Technician performance")
    description = _("Per technician: orders worked, FRT hours sold, hours clocked, efficiency, rework (维修人员业绩).")
    periods = ("month", "range", "day")
    columns = (
        text_column("technician", _("Technician")),
        Column("orders", _("Orders"), drill="technician_orders"),
        Column("frt", _("FRT hours"), kind="hours"),
        Column("clocked", _("Clocked hours"), kind="hours"),
        ratio_column("efficiency", _("Efficiency"), "frt", "clocked"),
        Column("reworks", _("Reworks")),
    )
    chart = Chart("bar", x="technician", series=("frt", "clocked"))
    rank_by = "frt"

    def rows(self, f):
        from aftercare.workshop.selectors import clocked_and_reworks

        sold = rows_by(
            _lines(deliveries(f), kind=LineKind.LABOUR, technician__isnull=False), "technician_id",
            n=Count("repair_order_id", distinct=True), frt=Sum("hours"),
        )  # fmt: skip
        clocked, reworks = clocked_and_reworks(store_ids=f.store_ids, start=f.start, end=f.end)
        ids = set(sold) | set(clocked)
        people = _people(ids)
        for pk in sorted(ids, key=lambda i: _name(people.get(i))):
            frt, hours = sold.get(pk, {}).get("frt", ZERO), clocked.get(pk, ZERO)
            yield {
                "key": str(pk), "technician": _name(people.get(pk)), "orders": sold.get(pk, {}).get("n", 0),
                "frt": (frt or ZERO).quantize(Decimal("0.01")), "clocked": hours,
                "efficiency": ratio(frt, hours), "reworks": reworks.get(pk, 0),
            }  # fmt: skip

    def technician_orders(self, f, key):
        found = deliveries(f)
        if key:
            found = found.filter(lines__technician_id=int(key)).distinct()
        return found


# --- 6.2.13-14 unpaid customers and vehicles ----------------------------------------------------------


def unpaid(f: Filters):
    """Settled or delivered orders opened by the period's end still owing (on credit)."""
    _start, end = bounds(f)
    paid = (
        Payment.objects.filter(repair_order=OuterRef("pk")).order_by().values("repair_order")
        .annotate(total=Sum("amount")).values("total")
    )  # fmt: skip
    return (
        orders(f).filter(status__in=(Status.SETTLED, Status.DELIVERED), opened_at__lt=end)
        .annotate(paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY))
        .annotate(owed=F("customer_total") - F("paid"))
        .filter(owed__gt=HALF_CENT)
    )  # fmt: skip


@register
class UnpaidCustomers(MonthlyReport):
    slug = "m-unpaid-customers"
    title = _("Unpaid customers")
    description = _("Customers with settled or delivered orders still owing (未付款客户统计表).")
    has_advisor = True
    columns = (
        text_column("customer", _("Customer")),
        Column("orders", _("Orders"), drill="customer_orders"),
        Column("owed", _("Owed"), kind="money"),
    )
    rank_by = "owed"

    def rows(self, f):
        for pk, name, n, owed in (
            unpaid(f).order_by().values_list("customer_id", "customer__name").annotate(n=Count("id"), o=Sum("owed"))
            .order_by("-o", "customer_id")
        ):  # fmt: skip
            yield {"key": str(pk), "customer": name, "orders": n, "owed": _money(owed)}

    def customer_orders(self, f, key):
        return narrowed(unpaid(f), key, "customer_id")


@register
class UnpaidVehicles(MonthlyReport):
    slug = "m-unpaid-vehicles"
    title = _("Unpaid vehicles")
    description = _("Each order still owing, by vehicle (未付款车辆明细表).")
    has_advisor = True
    columns = (
        text_column("plate", _("Plate")),
        text_column("number", _("RO number")),
        Column("opened", _("Opened"), kind="date", total=None),
        Column("total", _("Customer pays"), kind="money"),
        Column("paid", _("Paid"), kind="money"),
        Column("owed", _("Owed"), kind="money", drill="order"),
    )
    rank_by = "owed"

    def rows(self, f):
        for order in unpaid(f).select_related("vehicle").order_by("opened_at", "id"):
            yield {
                "key": str(order.pk), "plate": order.vehicle.plate or order.vehicle.vin, "number": order.number,
                "opened": timezone.localdate(order.opened_at), "total": order.customer_total,
                "paid": _money(order.paid), "owed": _money(order.owed),
            }  # fmt: skip

    def order(self, f, key):
        return narrowed(unpaid(f), key, "pk")


# --- 6.2.16-17 last visit -----------------------------------------------------------------------------

LAST_VISIT_BUCKETS = (
    ("0-3", _("Within 3 months"), 0, 3),
    ("3-6", _("3 to 6 months"), 3, 6),
    ("6-12", _("6 to 12 months"), 6, 12),
    ("12-24", _("12 to 24 months"), 12, 24),
    ("24+", _("More than 24 months"), 24, None),
)


def _months_before(day, months: int) -> datetime:
    index = day.year * 12 + day.month - 1 - months
    moved = day.replace(year=index // 12, month=index % 12 + 1, day=min(day.day, 28))
    return timezone.make_aware(datetime.combine(moved + timedelta(days=1), time.min))


@register
class LastVisit(MonthlyReport):
    slug = "m-last-visit"
    title = _("Last visit statistics")
    description = _("Customers by the time since their last visit, at the period's end (最后来店统计表); the "
                    "drill-down is the list (最后来店情况清单).")  # fmt: skip
    periods = ("month", "day")
    columns = (text_column("bucket", _("Last visit")), Column("customers", _("Customers"), drill="customers"), SHARE)
    chart = Chart("pie", x="bucket", series=("customers",))
    rank_by = "customers"

    def _visited(self, f):
        return Customer.objects.filter(store_id__in=f.store_ids, merged_into__isnull=True, last_visit_at__isnull=False)

    def _bucket(self, f, key):
        _key, _label, newer, older = next(b for b in LAST_VISIT_BUCKETS if b[0] == key)
        found = self._visited(f).filter(last_visit_at__lt=_months_before(f.end, newer))
        return found.filter(last_visit_at__gte=_months_before(f.end, older)) if older is not None else found

    def rows(self, f):
        return with_shares(
            [{"key": key, "bucket": str(label), "customers": self._bucket(f, key).count()}
             for key, label, *_rest in LAST_VISIT_BUCKETS],
            "customers",
        )  # fmt: skip

    def customers(self, f, key):
        return self._bucket(f, key).order_by("last_visit_at", "pk") if key else self._visited(f)


# --- 6.2.18-20 follow-up results, customer opinions, repair quality and follow-up opinions ---------------


def _calls(f):
    start, end = bounds(f)
    return FollowUpTask.objects.filter(store_id__in=f.store_ids, due_at__gte=start, due_at__lt=end).exclude(
        status=TaskStatus.CANCELLED
    )


@register
class FollowUpResults(PerChoice):
    slug = "m-followup-results"
    title = _("Follow-up results analysis")
    description = _("Calls due in the period by type: made, unreachable, not made, problems raised, the "
                    "customer's satisfaction on the call (用户跟踪结果统计分析).")  # fmt: skip
    columns = (
        text_column("kind", _("Type")),
        Column("due", _("Due"), drill="customers"),
        Column("made", _("Made")),
        Column("unreachable", _("Unreachable"), drill="customers_unreachable"),
        Column("not_made", _("Not made"), drill="customers_not_made"),
        Column("problems", _("Problems raised")),
        ratio_column("rate", _("Made"), "made", "due"),
    )
    chart = Chart("bar", x="kind", series=("made", "unreachable", "not_made"))
    rank_by = "rate"
    by, choices = "kind", Kind.choices
    counts = {
        "due": Count("id"), "made": Count("id", filter=Q(status=TaskStatus.DONE)),
        "unreachable": Count("id", filter=Q(status=TaskStatus.UNREACHABLE)),
        "problems": Count("id", filter=~Q(problem_category="")),
    }  # fmt: skip

    def source(self, f):
        return _calls(f)

    def cells(self, counted):
        due, made, unreachable = counted["due"], counted["made"], counted["unreachable"]
        return {
            "due": due, "made": made, "unreachable": unreachable, "not_made": due - made - unreachable,
            "problems": counted["problems"], "rate": ratio(made, due),
        }  # fmt: skip

    def customers_unreachable(self, f, key):
        return self.customers_of(f, key, Q(status=TaskStatus.UNREACHABLE))

    def customers_not_made(self, f, key):
        return self.customers_of(f, key, Q(status=TaskStatus.OPEN))


@register
class CustomerOpinions(PerChoice):
    slug = "m-customer-opinions"
    title = _("Customer opinion handling")
    description = _("Complaints received in the period by type: resolved, still open, first contact late, "
                    "the customer's satisfaction with the handling (用户意见处理表).")  # fmt: skip
    columns = (
        text_column("type", _("Type")),
        Column("received", _("Received"), drill="customers"),
        Column("resolved", _("Resolved")),
        Column("open", _("Still open"), drill="customers_open"),
        Column("contact_late", _("Contact late")),
        ratio_column("rate", _("Resolved"), "resolved", "received"),
    )
    chart = Chart("bar", x="type", series=("received", "resolved"))
    rank_by = "rate"
    by, choices = "complaint_type", ComplaintType.choices
    counts = {
        "n": Count("id"), "resolved": Count("id", filter=Q(status__in=RESOLVED_STATUSES)),
        "late": Count("id", filter=Q(contact_breached=True)),
    }  # fmt: skip

    def source(self, f):
        start, end = bounds(f)
        return Complaint.objects.filter(store_id__in=f.store_ids, received_at__gte=start, received_at__lt=end)

    def cells(self, counted):
        n, resolved = counted["n"], counted["resolved"]
        return {"received": n, "resolved": resolved, "open": n - resolved, "contact_late": counted["late"],
                "rate": ratio(resolved, n)}  # fmt: skip

    def customers_open(self, f, key):
        return self.customers_of(f, key, ~Q(status__in=RESOLVED_STATUSES))


@register
class QualityOpinions(PerChoice):
    slug = "m-quality-opinions"
    title = _("Repair quality and follow-up opinions")
    description = _("Problems customers raised on follow-up calls, by category: handled, customer informed, "
                    "still open, handled late (维修质量及跟踪意见处理汇总).")  # fmt: skip
    columns = (
        text_column("category", _("Problem category")),
        Column("raised", _("Raised"), drill="customers"),
        Column("handled", _("Handled")),
        Column("informed", _("Customer informed")),
        Column("open", _("Still open"), drill="customers_open"),
    )
    chart = Chart("pie", x="category", series=("raised",))
    rank_by = "raised"
    by, choices = "category", ProblemCategory.choices
    counts = {
        "n": Count("id"), "handled": Count("id", filter=Q(status=ProblemStatus.HANDLED)),
        "informed": Count("id", filter=Q(status=ProblemStatus.INFORMED)),
    }  # fmt: skip

    def source(self, f):
        start, end = bounds(f)
        return FollowUpProblem.objects.filter(store_id__in=f.store_ids, raised_at__gte=start, raised_at__lt=end)

    def cells(self, counted):
        n, handled, informed = counted["n"], counted["handled"], counted["informed"]
        return {"raised": n, "handled": handled, "informed": informed, "open": n - handled - informed}

    def customers_open(self, f, key):
        return self.customers_of(f, key, Q(status=ProblemStatus.OPEN))


# --- 6.2.21 why due customers did not come ----------------------------------------------------------------


@register
class MissedMaintenance(MonthlyReport):
    slug = "m-missed-maintenance"
    title = _("Why due maintenance customers did not come")
    description = _("The solicitation outcomes of the vehicles due for maintenance in the period's months "
                    "(定期保养未来店原因分析, docs/DOMAIN.md §11.5).")  # fmt: skip
    columns = (text_column("outcome", _("Outcome")), Column("vehicles", _("Vehicles"), drill="customers"), SHARE)
    chart = Chart("pie", x="outcome", series=("vehicles",))
    rank_by = "vehicles"

    def _entries(self, f):
        return SolicitationEntry.objects.filter(
            store_id__in=f.store_ids, month__gte=f.start.replace(day=1), month__lte=f.end
        )

    def rows(self, f):
        counted = values_by(self._entries(f), "outcome", "decline_reason", ordered=True)
        outcomes, reasons = dict(Outcome.choices), dict(DeclineReason.choices)
        rows = []
        for (outcome, reason), n in counted.items():
            label = str(outcomes.get(outcome, _("No outcome yet"))) if outcome else str(_("No outcome yet"))
            if reason:
                label = f"{label} · {reasons.get(reason, reason)}"
            rows.append({"key": f"{outcome}:{reason}", "outcome": label, "vehicles": n})
        return with_shares(rows, "vehicles")

    def customers(self, f, key):
        found = self._entries(f)
        if key:
            outcome, _sep, reason = key.partition(":")
            found = found.filter(outcome=outcome, decline_reason=reason)
        return _customers_of(found)


# --- 6.2.22-24 discount levels and their changes --------------------------------------------------------


@register
class DiscountLevels(MonthlyReport):
    slug = "m-discount-levels"
    title = _("Discount levels")
    description = _("Vehicles in use by discount level (车辆折扣等级统计); the drill-down lists their owners.")
    periods = ("month", "day")
    columns = (text_column("level", _("Discount level")), Column("vehicles", _("Vehicles"), drill="owners"), SHARE)
    chart = Chart("pie", x="level", series=("vehicles",))
    rank_by = "vehicles"

    def _vehicles(self, f):
        return Vehicle.objects.filter(store_id__in=f.store_ids, is_active=True)

    def rows(self, f):
        return with_shares(
            [{"key": level or "-", "level": level or str(_("None")), "vehicles": n}
             for level, n in values_by(self._vehicles(f), "discount_level", ordered=True).items()],
            "vehicles",
        )  # fmt: skip

    def owners(self, f, key):
        found = self._vehicles(f)
        if key:
            found = found.filter(discount_level="" if key == "-" else key)
        return _customers_of(found, "owner_id")


# --- class changes from → to: the discount levels' here, the ABC classes' in abc.py ------------------------


def class_changes(f, field: str):
    start, end = bounds(f)
    return ClassChange.objects.filter(store_id__in=f.store_ids, field=field, changed_at__gte=start, changed_at__lt=end)


def changes_from_to(changes, count_key: str, count=None):
    """A row per from → to of `changes` (keyed "old>new"), with how many (`count`, the changes unless
    it says otherwise) under `count_key`."""
    for old, new, n in (
        changes.order_by().values_list("old_value", "new_value").annotate(n=count or Count("id"))
        .order_by("old_value", "new_value")
    ):  # fmt: skip
        yield {"key": f"{old}>{new}", "change": f"{old or '—'} → {new or '—'}", count_key: n}


def owners_of_changes(changes, key=None):
    """The customers changed, and the owners of the vehicles changed, of the from → to `key` when given."""
    if key:
        old, _sep, new = key.partition(">")
        changes = changes.filter(old_value=old, new_value=new)
    return Customer.objects.filter(
        Q(pk__in=changes.filter(customer__isnull=False).values("customer_id"))
        | Q(pk__in=Vehicle.objects.filter(pk__in=changes.filter(vehicle__isnull=False).values("vehicle_id")).values(
            "owner_id"))
    )  # fmt: skip


@register
class DiscountLevelChanges(MonthlyReport):
    slug = "m-discount-changes"
    title = _("Discount level changes")
    description = _("Changes of vehicles' discount levels in the period, from → to (车辆折扣等级变动统计).")
    columns = (text_column("change", _("Change")), Column("changes", _("Changes"), drill="owners"))
    chart = Chart("bar", x="change", series=("changes",))
    rank_by = "changes"

    def rows(self, f):
        return changes_from_to(class_changes(f, ClassChange.Field.DISCOUNT_LEVEL), "changes")

    def owners(self, f, key):
        return owners_of_changes(class_changes(f, ClassChange.Field.DISCOUNT_LEVEL), key)
