"""The monthly reports (月报, seed 003 DMS 6.2; docs/DOMAIN.md §18.7), declared on reports/framework.py.

Each report is a few grouped queries over the period's rows (orders opened or delivered in it, calls
due in it, complaints received in it...), never over all history; every number with a drill-down
lists the orders or customers behind it."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
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

from .framework import Chart, Column, Filters, Report, ratio, register
from .models import ProfitSettings

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


def _day(key):
    return datetime.strptime(key, "%Y-%m-%d").date()


def _on_day(queryset, field: str, key):
    if not key:
        return queryset
    start = timezone.make_aware(datetime.combine(_day(key), time.min))
    return queryset.filter(**{f"{field}__gte": start, f"{field}__lt": start + timedelta(days=1)})


def _money(value) -> Decimal:
    return (value or ZERO).quantize(Decimal("0.01"))


# --- 6.2.1 store monthly report, 6.2.10 same-day delivery -------------------------------------------


@register
class StoreMonthly(Report):
    slug = "m-store-monthly"
    title = _("Store monthly report")
    description = _("Arrivals, deliveries and revenue of each day of the month (售后服务店月报表).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("day", _("Day"), kind="date", total=None),
        Column("arrivals", _("Arrivals"), drill="arrival_orders"),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("labour", _("Labour"), kind="money"),
        Column("parts", _("Parts"), kind="money"),
        Column("other", _("Other"), kind="money"),
        Column("revenue", _("Revenue"), kind="money", drill="delivered_orders"),
    )
    chart = Chart("bar", x="day", series=("arrivals", "deliveries"))
    rank_by = "revenue"

    def rows(self, f):
        if not f.advisor_id:
            yield from self._from_figures(f)
            return
        came = dict(
            arrivals(f).annotate(day=TruncDate("opened_at")).order_by().values_list("day").annotate(n=Count("id"))
        )
        done = {
            row["day"]: row
            for row in deliveries(f)
            .annotate(day=TruncDate("closed_at"))
            .order_by()
            .values("day")
            .annotate(
                n=Count("id"),
                labour=Sum("labour_total"),
                parts=Sum("parts_total"),
                other=Sum("other_total"),
                revenue=Sum("total"),
            )
        }
        for day in f.days:
            d = done.get(day, {})
            yield {
                "key": day.isoformat(), "day": day, "arrivals": came.get(day, 0), "deliveries": d.get("n", 0),
                "labour": _money(d.get("labour")), "parts": _money(d.get("parts")), "other": _money(d.get("other")),
                "revenue": _money(d.get("revenue")),
            }  # fmt: skip

    def _from_figures(self, f):
        """The stores' daily figures (materialised nightly and after each write) added up per day."""
        figures = {
            row["day"]: row
            for row in _figures(f).values("day").annotate(
                arrivals=Sum("arrivals"), deliveries=Sum("deliveries"), labour=Sum("revenue_labour"),
                parts=Sum("revenue_parts"), other=Sum("revenue_other"), revenue=Sum("revenue"),
            )
        }  # fmt: skip
        for day in f.days:
            d = figures.get(day, {})
            yield {
                "key": day.isoformat(), "day": day, "arrivals": d.get("arrivals") or 0,
                "deliveries": d.get("deliveries") or 0, "labour": _money(d.get("labour")),
                "parts": _money(d.get("parts")), "other": _money(d.get("other")), "revenue": _money(d.get("revenue")),
            }  # fmt: skip

    def by_store(self, f):
        """One grouped query over the daily figures for every store (the group roll-up)."""
        if f.advisor_id:
            return super().by_store(f)
        sums = {
            row["store_id"]: row
            for row in _figures(f).values("store_id").annotate(
                arrivals=Sum("arrivals"), deliveries=Sum("deliveries"), labour=Sum("revenue_labour"),
                parts=Sum("revenue_parts"), other=Sum("revenue_other"), revenue=Sum("revenue"),
            )
        }  # fmt: skip
        rows = []
        for store in f.stores:
            d = sums.get(store.pk, {})
            rows.append({
                "store": store.name, "store_id": store.pk, "arrivals": d.get("arrivals") or 0,
                "deliveries": d.get("deliveries") or 0, "labour": _money(d.get("labour")),
                "parts": _money(d.get("parts")), "other": _money(d.get("other")), "revenue": _money(d.get("revenue")),
            })  # fmt: skip
        return rows

    def arrival_orders(self, f, key):
        return _on_day(arrivals(f), "opened_at", key)

    def delivered_orders(self, f, key):
        return _on_day(deliveries(f), "closed_at", key)


def _figures(f: Filters):
    from .models import DailyFigure

    return DailyFigure.objects.filter(store_id__in=f.store_ids, day__gte=f.start, day__lte=f.end).order_by()


@register
class SameDayDelivery(Report):
    slug = "m-same-day-delivery"
    title = _("Same-day delivery rate")
    description = _("Orders delivered on the day they were opened ÷ orders delivered (当日交车率).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("day", _("Day"), kind="date", total=None),
        Column("delivered", _("Delivered"), drill="delivered_orders"),
        Column("same_day", _("Same day"), drill="same_day_orders"),
        Column("rate", _("Rate"), kind="pct", total=lambda t: ratio(t["same_day"], t["delivered"])),
    )
    chart = Chart("line", x="day", series=("rate",))
    rank_by = "rate"

    def rows(self, f):
        if f.advisor_id:
            counts = {
                day: (n, same)
                for day, n, same in deliveries(f)
                .annotate(day=TruncDate("closed_at"), opened=TruncDate("opened_at"))
                .order_by()
                .values_list("day")
                .annotate(n=Count("id"), same=Count("id", filter=Q(opened=F("day"))))
            }
        else:
            counts = {
                day: (n or 0, same or 0)
                for day, n, same in _figures(f)
                .values_list("day")
                .annotate(n=Sum("deliveries"), same=Sum("same_day_deliveries"))
            }
        for day in f.days:
            n, same = counts.get(day, (0, 0))
            yield {"key": day.isoformat(), "day": day, "delivered": n, "same_day": same, "rate": ratio(same, n)}

    def by_store(self, f):
        if f.advisor_id:
            return super().by_store(f)
        sums = {
            store_id: (n or 0, same or 0)
            for store_id, n, same in _figures(f)
            .values_list("store_id")
            .annotate(n=Sum("deliveries"), same=Sum("same_day_deliveries"))
        }
        rows = []
        for store in f.stores:
            n, same = sums.get(store.pk, (0, 0))
            rows.append({"store": store.name, "store_id": store.pk, "delivered": n, "same_day": same,
                         "rate": ratio(same, n)})  # fmt: skip
        return rows

    def delivered_orders(self, f, key):
        return _on_day(deliveries(f), "closed_at", key)

    def same_day_orders(self, f, key):
        return (
            self.delivered_orders(f, key).annotate(d=TruncDate("closed_at"), o=TruncDate("opened_at")).filter(d=F("o"))
        )


# --- 6.2.3 KPI analysis -------------------------------------------------------------------------------------


@register
class KpiAnalysis(Report):
    slug = "m-kpi-analysis"
    title = _("KPI analysis")
    description = _(
        "The month and the 11 before it, from the daily figures: arrivals, deliveries, revenue, average per "
        "delivery, same-day delivery, new customers, satisfaction, technician efficiency (经营指标月分析表)."
    )
    section = "monthly"
    periods = ("month",)
    columns = (
        Column("month", _("Month"), kind="text", total=None),
        Column("arrivals", _("Arrivals"), drill="arrival_orders"),
        Column("deliveries", _("Deliveries")),
        Column("revenue", _("Revenue"), kind="money"),
        Column("average", _("Average per delivery"), kind="money",
               total=lambda t: (t["revenue"] / t["deliveries"]).quantize(Decimal("0.01")) if t["deliveries"] else None),
        Column("same_day", _("Same-day delivery"), kind="pct",
               total=lambda t: ratio(t["_same_day"], t["deliveries"])),
        Column("new_customers", _("New customers")),
        Column("satisfaction", _("Satisfaction"), kind="pct", total=lambda t: ratio(t["_satisfied"], t["_surveyed"])),
        Column("efficiency", _("Efficiency"), kind="pct", total=lambda t: ratio(t["_frt"], t["_clocked"])),
    )  # fmt: skip
    chart = Chart("line", x="month", series=("arrivals", "deliveries"))
    rank_by = "revenue"

    def _months(self, f):
        first = f.start.replace(day=1)
        index = first.year * 12 + first.month - 1 - 11
        return first.replace(year=index // 12, month=index % 12 + 1), f.end

    def rows(self, f):
        from django.db.models.functions import TruncMonth

        from .models import DailyFigure

        since, until = self._months(f)
        sums = {
            row["m"]: row
            for row in DailyFigure.objects.filter(store_id__in=f.store_ids, day__gte=since, day__lte=until)
            .annotate(m=TruncMonth("day")).order_by().values("m")
            .annotate(arrivals=Sum("arrivals"), deliveries=Sum("deliveries"), revenue=Sum("revenue"),
                      same=Sum("same_day_deliveries"), new=Sum("new_customers"), surveyed=Sum("surveyed"),
                      satisfied=Sum("satisfied"), frt=Sum("frt_hours"), clocked=Sum("clocked_hours"))
        }  # fmt: skip
        month = since
        while month <= until:
            d = sums.get(month, {})
            n, revenue = d.get("deliveries") or 0, _money(d.get("revenue"))
            yield {
                "key": f"{month:%Y-%m}", "month": f"{month:%Y-%m}", "arrivals": d.get("arrivals") or 0,
                "deliveries": n, "revenue": revenue,
                "average": (revenue / n).quantize(Decimal("0.01")) if n else None,
                "same_day": ratio(d.get("same") or 0, n), "_same_day": d.get("same") or 0,
                "new_customers": d.get("new") or 0, "satisfaction": ratio(d.get("satisfied") or 0, d.get("surveyed")),
                "_surveyed": d.get("surveyed") or 0, "_satisfied": d.get("satisfied") or 0,
                "efficiency": ratio(d.get("frt"), d.get("clocked")), "_frt": d.get("frt") or ZERO,
                "_clocked": d.get("clocked") or ZERO,
            }  # fmt: skip
            index = month.year * 12 + month.month
            month = month.replace(year=index // 12, month=index % 12 + 1)

    def arrival_orders(self, f, key):
        if not key:
            since, until = self._months(f)
            return orders(f).filter(opened_at__gte=bounds(replace_period(f, since, until))[0],
                                    opened_at__lt=bounds(f)[1])  # fmt: skip
        year, month = (int(x) for x in key.split("-"))
        first = f.start.replace(year=year, month=month, day=1)
        index = year * 12 + month
        last = first.replace(year=index // 12, month=index % 12 + 1) - timedelta(days=1)
        return arrivals(replace_period(f, first, min(last, f.end)))


def replace_period(f: Filters, start, end) -> Filters:
    from dataclasses import replace

    return replace(f, start=start, end=end)


# --- 6.2.2 business statistics, 6.2.12 deliveries by repair type, 6.2.4 service profit ----------------


def _repair_types(f):
    ids = set(deliveries(f).values_list("repair_type_id", flat=True).distinct()) | set(
        arrivals(f).values_list("repair_type_id", flat=True).distinct()
    )
    return {t.pk: t for t in RepairType.objects.filter(pk__in=ids)}


@register
class BusinessStatistics(Report):
    slug = "m-business-statistics"
    title = _("Business statistics")
    description = _("Arrivals, deliveries and revenue per repair type (售后服务业务统计表).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("repair_type", _("Repair type"), kind="text", total=None),
        Column("arrivals", _("Arrivals"), drill="arrival_orders"),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("revenue", _("Revenue"), kind="money"),
        Column("average", _("Average per delivery"), kind="money",
               total=lambda t: (t["revenue"] / t["deliveries"]).quantize(Decimal("0.01")) if t["deliveries"] else None),
        Column("share", _("Share of revenue"), kind="pct", total=None),
    )  # fmt: skip
    chart = Chart("pie", x="repair_type", series=("revenue",))
    rank_by = "revenue"

    def rows(self, f):
        came = dict(arrivals(f).order_by().values_list("repair_type_id").annotate(n=Count("id")))
        done = {
            rt: (n, _money(revenue))
            for rt, n, revenue in deliveries(f)
            .order_by()
            .values_list("repair_type_id")
            .annotate(n=Count("id"), revenue=Sum("total"))
        }
        total = sum((r for _n, r in done.values()), ZERO)
        for pk, repair_type in sorted(_repair_types(f).items(), key=lambda item: item[1].code):
            n, revenue = done.get(pk, (0, ZERO))
            yield {
                "key": str(pk), "repair_type": repair_type.name, "arrivals": came.get(pk, 0), "deliveries": n,
                "revenue": revenue, "average": (revenue / n).quantize(Decimal("0.01")) if n else None,
                "share": ratio(revenue, total),
            }  # fmt: skip

    def arrival_orders(self, f, key):
        return arrivals(f).filter(repair_type_id=int(key)) if key else arrivals(f)

    def delivered_orders(self, f, key):
        return deliveries(f).filter(repair_type_id=int(key)) if key else deliveries(f)


@register
class DeliveriesByRepairType(Report):
    slug = "m-deliveries-by-repair-type"
    title = _("Deliveries by repair type")
    description = _("Orders delivered per repair type with labour, parts and other charges (修理种类交车明细).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("repair_type", _("Repair type"), kind="text", total=None),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("labour", _("Labour"), kind="money"),
        Column("parts", _("Parts"), kind="money"),
        Column("other", _("Other"), kind="money"),
        Column("discount", _("Discount"), kind="money"),
        Column("revenue", _("Revenue"), kind="money"),
    )
    chart = Chart("bar", x="repair_type", series=("deliveries",))
    rank_by = "deliveries"

    def rows(self, f):
        names = _repair_types(f)
        for row in (
            deliveries(f).order_by().values("repair_type_id")
            .annotate(n=Count("id"), labour=Sum("labour_total"), parts=Sum("parts_total"), other=Sum("other_total"),
                      discount=Sum("discount_total"), revenue=Sum("total"))
            .order_by("repair_type_id")
        ):  # fmt: skip
            rt = names.get(row["repair_type_id"])
            yield {
                "key": str(row["repair_type_id"]), "repair_type": rt.name if rt else "—", "deliveries": row["n"],
                "labour": _money(row["labour"]), "parts": _money(row["parts"]), "other": _money(row["other"]),
                "discount": _money(row["discount"]), "revenue": _money(row["revenue"]),
            }  # fmt: skip

    def delivered_orders(self, f, key):
        return deliveries(f).filter(repair_type_id=int(key)) if key else deliveries(f)


@register
class ServiceProfit(Report):
    slug = "m-service-profit"
    title = _("Service profit")
    description = _(
        "Revenue − parts cost − labour cost of the orders delivered (服务收益月报). Parts cost is the stock cost "
        "of the parts issued to them; labour cost is their FRT hours at the store's labour cost per hour."
    )
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("repair_type", _("Repair type"), kind="text", total=None),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("revenue", _("Revenue"), kind="money"),
        Column("parts_cost", _("Parts cost"), kind="money"),
        Column("labour_cost", _("Labour cost"), kind="money"),
        Column("profit", _("Profit"), kind="money"),
        Column("margin", _("Margin"), kind="pct", total=lambda t: ratio(t["profit"], t["revenue"])),
    )
    chart = Chart("bar", x="repair_type", series=("revenue", "profit"))
    rank_by = "profit"

    def rows(self, f):
        from aftercare.parts.selectors import parts_cost_of_orders

        names = _repair_types(f)
        delivered = deliveries(f)
        rate = ProfitSettings.labour_cost_rate(f.store_ids)
        hours = dict(
            RepairOrderLine.objects.filter(repair_order__in=delivered, kind=LineKind.LABOUR)
            .exclude(status=LineStatus.DECLINED)
            .order_by()
            .values_list("repair_order__repair_type_id")
            .annotate(h=Sum("hours"))
        )
        cost = parts_cost_of_orders(delivered, by="repair_order__repair_type_id")
        for rt, n, revenue in (
            delivered.order_by().values_list("repair_type_id").annotate(n=Count("id"), r=Sum("total"))
            .order_by("repair_type_id")
        ):  # fmt: skip
            revenue, parts = _money(revenue), _money(cost.get(rt))
            labour = _money((hours.get(rt) or ZERO) * rate)
            profit = revenue - parts - labour
            yield {
                "key": str(rt), "repair_type": names[rt].name if rt in names else "—", "deliveries": n,
                "revenue": revenue, "parts_cost": parts, "labour_cost": labour, "profit": profit,
                "margin": ratio(profit, revenue),
            }  # fmt: skip

    def delivered_orders(self, f, key):
        return deliveries(f).filter(repair_type_id=int(key)) if key else deliveries(f)

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
class ManagementItems(Report):
    slug = "m-management-items"
    title = _("Management items")
    description = _("Per repair type, the orders delivered with their labour, parts and other amounts, the "
                    "discounts given, the additional work sold and the reworks (管理项目统计报表).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("repair_type", _("Repair type"), kind="text", total=None),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("labour", _("Labour"), kind="money"),
        Column("parts", _("Parts"), kind="money"),
        Column("other", _("Other"), kind="money"),
        Column("revenue", _("Revenue"), kind="money"),
        Column("discounted", _("Orders discounted"), drill="discounted_orders"),
        Column("discount", _("Discount"), kind="money"),
        Column("additional", _("Orders with additional work"), drill="additional_orders"),
        Column("additional_amount", _("Additional work sold"), kind="money"),
        Column("reworks", _("Orders with rework"), drill="rework_orders"),
    )
    chart = Chart("bar", x="repair_type", series=("deliveries", "discounted", "additional", "reworks"))
    rank_by = "revenue"

    def rows(self, f):
        names = _repair_types(f)
        delivered = deliveries(f)
        extra = dict(
            RepairOrderLine.objects.filter(repair_order__in=delivered, is_additional=True, status=LineStatus.APPROVED)
            .order_by().values_list("repair_order__repair_type_id").annotate(a=Sum("amount"))
        )  # fmt: skip
        for row in (
            _with_marks(delivered).order_by().values("repair_type_id")
            .annotate(n=Count("id"), labour=Sum("labour_total"), parts=Sum("parts_total"), other=Sum("other_total"),
                      revenue=Sum("total"), discount=Sum("discount_total"),
                      discounted=Count("id", filter=Q(discount_total__gt=0)),
                      additional=Count("id", filter=Q(_extra=True)), reworks=Count("id", filter=Q(_rework=True)))
            .order_by("repair_type_id")
        ):  # fmt: skip
            rt = row["repair_type_id"]
            yield {
                "key": str(rt), "repair_type": names[rt].name if rt in names else "—", "deliveries": row["n"],
                "labour": _money(row["labour"]), "parts": _money(row["parts"]), "other": _money(row["other"]),
                "revenue": _money(row["revenue"]), "discounted": row["discounted"],
                "discount": _money(row["discount"]), "additional": row["additional"],
                "additional_amount": _money(extra.get(rt)), "reworks": row["reworks"],
            }  # fmt: skip

    def delivered_orders(self, f, key):
        return deliveries(f).filter(repair_type_id=int(key)) if key else deliveries(f)

    def discounted_orders(self, f, key):
        return self.delivered_orders(f, key).filter(discount_total__gt=0)

    def additional_orders(self, f, key):
        return _with_marks(self.delivered_orders(f, key)).filter(_extra=True)

    def rework_orders(self, f, key):
        return _with_marks(self.delivered_orders(f, key)).filter(_rework=True)


def _model_key(brand: str, model: str) -> str:
    return f"{brand}|{model}"


@register
class ArrivalsByVehicle(Report):
    slug = "m-arrivals-by-vehicle"
    title = _("Arrivals and amounts by vehicle model")
    description = _("Per brand and model: arrivals, deliveries and the revenue of the orders delivered "
                    "(车辆来厂台次及金额分析表).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("vehicle_model", _("Vehicle model"), kind="text", total=None),
        Column("arrivals", _("Arrivals"), drill="arrival_orders"),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("labour", _("Labour"), kind="money"),
        Column("parts", _("Parts"), kind="money"),
        Column("other", _("Other"), kind="money"),
        Column("revenue", _("Revenue"), kind="money"),
        Column("average", _("Average per delivery"), kind="money",
               total=lambda t: (t["revenue"] / t["deliveries"]).quantize(Decimal("0.01")) if t["deliveries"] else None),
    )  # fmt: skip
    chart = Chart("bar", x="vehicle_model", series=("arrivals", "deliveries"))
    rank_by = "revenue"

    def rows(self, f):
        came = {
            _model_key(b, m): n
            for b, m, n in arrivals(f).order_by().values_list("vehicle__brand", "vehicle__model")
            .annotate(n=Count("id"))
        }  # fmt: skip
        done = {
            _model_key(r["vehicle__brand"], r["vehicle__model"]): r
            for r in deliveries(f).order_by().values("vehicle__brand", "vehicle__model")
            .annotate(n=Count("id"), labour=Sum("labour_total"), parts=Sum("parts_total"), other=Sum("other_total"),
                      revenue=Sum("total"))
        }  # fmt: skip
        for key in sorted(set(came) | set(done)):
            d = done.get(key, {})
            n, revenue = d.get("n", 0), _money(d.get("revenue"))
            yield {
                "key": key, "vehicle_model": key.replace("|", " "), "arrivals": came.get(key, 0), "deliveries": n,
                "labour": _money(d.get("labour")), "parts": _money(d.get("parts")), "other": _money(d.get("other")),
                "revenue": revenue, "average": (revenue / n).quantize(Decimal("0.01")) if n else None,
            }  # fmt: skip

    def _of_model(self, found, key):
        if not key:
            return found
        brand, _sep, model = key.partition("|")
        return found.filter(vehicle__brand=brand, vehicle__model=model)

    def arrival_orders(self, f, key):
        return self._of_model(arrivals(f), key)

    def delivered_orders(self, f, key):
        return self._of_model(deliveries(f), key)


# --- 6.2.5 revenue summary ---------------------------------------------------------------------------


@register
class RevenueSummary(Report):
    slug = "m-revenue-summary"
    title = _("Revenue summary")
    description = _("Revenue of the orders delivered by kind of line and who pays (营业额月报汇总).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("kind", _("Kind"), kind="text", total=None),
        *(Column(payer, label, kind="money") for payer, label in Payer.choices),
        Column("total", _("Total"), kind="money"),
    )
    chart = Chart("pie", x="kind", series=("total",))
    rank_by = "total"

    def rows(self, f):
        amounts = {
            (kind, payer): _money(amount)
            for kind, payer, amount in RepairOrderLine.objects.filter(repair_order__in=deliveries(f))
            .exclude(status=LineStatus.DECLINED)
            .order_by()
            .values_list("kind", "payer")
            .annotate(a=Sum("amount"))
        }
        for kind, label in LineKind.choices:
            row = {"key": kind, "kind": str(label)}
            for payer, _label in Payer.choices:
                row[payer] = amounts.get((kind, payer), ZERO)
            row["total"] = sum((row[p] for p, _l in Payer.choices), ZERO)
            yield row


# --- 6.2.7-6.2.9 advisor and technician performance ---------------------------------------------------


def _name(user) -> str:
    return (user.full_name or user.username) if user else "—"


@register
class AdvisorPerformance(Report):
    slug = "m-advisor-performance"
    title = _("Advisor performance")
    description = _("Per service advisor: arrivals, deliveries, revenue, additional work sold, satisfaction.")
    section = "monthly"
    periods = ("month", "range", "day")
    has_advisor = True
    columns = (
        Column("advisor", _("Service advisor"), kind="text", total=None),
        Column("arrivals", _("Arrivals"), drill="arrival_orders"),
        Column("deliveries", _("Deliveries"), drill="delivered_orders"),
        Column("revenue", _("Revenue"), kind="money"),
        Column("additional", _("Additional work sold"), kind="money"),
        Column("_surveyed", _("Surveyed"), total="sum"),
        Column("satisfaction", _("Satisfaction"), kind="pct", total=lambda t: ratio(t["_satisfied"], t["_surveyed"])),
    )
    chart = Chart("bar", x="advisor", series=("revenue",))
    rank_by = "revenue"

    def rows(self, f):
        from django.contrib.auth import get_user_model

        start, end = bounds(f)
        came = dict(arrivals(f).order_by().values_list("advisor_id").annotate(n=Count("id")))
        done = {a: (n, r) for a, n, r in deliveries(f).order_by().values_list("advisor_id").annotate(
            n=Count("id"), r=Sum("total"))}  # fmt: skip
        extra = dict(
            RepairOrderLine.objects.filter(
                repair_order__in=deliveries(f), is_additional=True, status=LineStatus.APPROVED
            )
            .order_by()
            .values_list("repair_order__advisor_id")
            .annotate(a=Sum("amount"))
        )
        surveys = SurveyResponse.objects.completed().filter(
            store_id__in=f.store_ids, completed_at__gte=start, completed_at__lt=end, overall_score__isnull=False
        )
        if f.advisor_id:
            surveys = surveys.filter(advisor_id=f.advisor_id)
        scored = {a: (n, s) for a, n, s in surveys.order_by().values_list("advisor_id").annotate(
            n=Count("id"), s=Count("id", filter=Q(overall_score__gte=SATISFIED_MIN_SCORE)))}  # fmt: skip
        ids = {i for i in (*came, *done, *scored) if i}
        people = get_user_model().objects.in_bulk(ids)
        for pk in sorted(ids, key=lambda i: _name(people.get(i))):
            n, revenue = done.get(pk, (0, ZERO))
            surveyed, satisfied = scored.get(pk, (0, 0))
            yield {
                "key": str(pk), "advisor": _name(people.get(pk)), "arrivals": came.get(pk, 0), "deliveries": n,
                "revenue": _money(revenue), "additional": _money(extra.get(pk)), "_surveyed": surveyed,
                "_satisfied": satisfied, "satisfaction": ratio(satisfied, surveyed),
            }  # fmt: skip

    def arrival_orders(self, f, key):
        return arrivals(f).filter(advisor_id=int(key)) if key else arrivals(f)

    def delivered_orders(self, f, key):
        return deliveries(f).filter(advisor_id=int(key)) if key else deliveries(f)


@register
class TechnicianPerformance(Report):
    slug = "m-technician-performance"
    title = _("Technician performance")
    description = _("Per technician: orders worked, FRT hours sold, hours clocked, efficiency, rework (维修人员业绩).")
    section = "monthly"
    periods = ("month", "range", "day")
    columns = (
        Column("technician", _("Technician"), kind="text", total=None),
        Column("orders", _("Orders"), drill="technician_orders"),
        Column("frt", _("FRT hours"), kind="hours"),
        Column("clocked", _("Clocked hours"), kind="hours"),
        Column("efficiency", _("Efficiency"), kind="pct", total=lambda t: ratio(t["frt"], t["clocked"])),
        Column("reworks", _("Reworks")),
    )
    chart = Chart("bar", x="technician", series=("frt", "clocked"))
    rank_by = "frt"

    def rows(self, f):
        from django.contrib.auth import get_user_model

        from aftercare.workshop.selectors import clocked_and_reworks

        lines = RepairOrderLine.objects.filter(
            repair_order__in=deliveries(f), kind=LineKind.LABOUR, technician__isnull=False
        ).exclude(status=LineStatus.DECLINED)
        sold = {t: (n, h) for t, n, h in lines.order_by().values_list("technician_id").annotate(
            n=Count("repair_order_id", distinct=True), h=Sum("hours"))}  # fmt: skip
        clocked, reworks = clocked_and_reworks(store_ids=f.store_ids, start=f.start, end=f.end)
        ids = set(sold) | set(clocked)
        people = get_user_model().objects.in_bulk(ids)
        for pk in sorted(ids, key=lambda i: _name(people.get(i))):
            n, frt = sold.get(pk, (0, ZERO))
            hours = clocked.get(pk, ZERO)
            yield {
                "key": str(pk), "technician": _name(people.get(pk)), "orders": n,
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
class UnpaidCustomers(Report):
    slug = "m-unpaid-customers"
    title = _("Unpaid customers")
    description = _("Customers with settled or delivered orders still owing (未付款客户统计表).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("customer", _("Customer"), kind="text", total=None),
        Column("orders", _("Orders"), drill="customer_orders"),
        Column("owed", _("Owed"), kind="money"),
    )
    chart = None
    rank_by = "owed"

    def rows(self, f):
        for pk, name, n, owed in (
            unpaid(f).order_by().values_list("customer_id", "customer__name").annotate(n=Count("id"), o=Sum("owed"))
            .order_by("-o", "customer_id")
        ):  # fmt: skip
            yield {"key": str(pk), "customer": name, "orders": n, "owed": _money(owed)}

    def customer_orders(self, f, key):
        return unpaid(f).filter(customer_id=int(key)) if key else unpaid(f)


@register
class UnpaidVehicles(Report):
    slug = "m-unpaid-vehicles"
    title = _("Unpaid vehicles")
    description = _("Each order still owing, by vehicle (未付款车辆明细表).")
    section = "monthly"
    periods = ("month", "range")
    has_advisor = True
    columns = (
        Column("plate", _("Plate"), kind="text", total=None),
        Column("number", _("RO number"), kind="text", total=None),
        Column("opened", _("Opened"), kind="date", total=None),
        Column("total", _("Customer pays"), kind="money"),
        Column("paid", _("Paid"), kind="money"),
        Column("owed", _("Owed"), kind="money", drill="order"),
    )
    chart = None
    rank_by = "owed"

    def rows(self, f):
        for order in unpaid(f).select_related("vehicle").order_by("opened_at", "id"):
            yield {
                "key": str(order.pk), "plate": order.vehicle.plate or order.vehicle.vin, "number": order.number,
                "opened": timezone.localdate(order.opened_at), "total": order.customer_total,
                "paid": _money(order.paid), "owed": _money(order.owed),
            }  # fmt: skip

    def order(self, f, key):
        return unpaid(f).filter(pk=int(key)) if key else unpaid(f)


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
class LastVisit(Report):
    slug = "m-last-visit"
    title = _("Last visit statistics")
    description = _("Customers by the time since their last visit, at the period's end (最后来店统计表); the "
                    "drill-down is the list (最后来店情况清单).")  # fmt: skip
    section = "monthly"
    periods = ("month", "day")
    columns = (
        Column("bucket", _("Last visit"), kind="text", total=None),
        Column("customers", _("Customers"), drill="customers"),
        Column("share", _("Share"), kind="pct", total=None),
    )
    chart = Chart("pie", x="bucket", series=("customers",))
    rank_by = "customers"

    def _bucket(self, f, key):
        base = Customer.objects.filter(store_id__in=f.store_ids, merged_into__isnull=True, last_visit_at__isnull=False)
        spec = next(b for b in LAST_VISIT_BUCKETS if b[0] == key)
        _key, _label, newer, older = spec
        found = base.filter(last_visit_at__lt=_months_before(f.end, newer))
        return found.filter(last_visit_at__gte=_months_before(f.end, older)) if older is not None else found

    def rows(self, f):
        counts = {key: self._bucket(f, key).count() for key, *_rest in LAST_VISIT_BUCKETS}
        total = sum(counts.values())
        for key, label, *_rest in LAST_VISIT_BUCKETS:
            yield {"key": key, "bucket": str(label), "customers": counts[key], "share": ratio(counts[key], total)}

    def customers(self, f, key):
        if key:
            return self._bucket(f, key).order_by("last_visit_at", "pk")
        return Customer.objects.filter(store_id__in=f.store_ids, merged_into__isnull=True, last_visit_at__isnull=False)


# --- 6.2.18-20 follow-up results, customer opinions, repair quality and follow-up opinions ---------------


def _calls(f):
    start, end = bounds(f)
    return FollowUpTask.objects.filter(store_id__in=f.store_ids, due_at__gte=start, due_at__lt=end).exclude(
        status=TaskStatus.CANCELLED
    )


@register
class FollowUpResults(Report):
    slug = "m-followup-results"
    title = _("Follow-up results analysis")
    description = _("Calls due in the period by type: made, unreachable, not made, problems raised, the "
                    "customer's satisfaction on the call (用户跟踪结果统计分析).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    columns = (
        Column("kind", _("Type"), kind="text", total=None),
        Column("due", _("Due"), drill="customers_due"),
        Column("made", _("Made")),
        Column("unreachable", _("Unreachable"), drill="customers_unreachable"),
        Column("not_made", _("Not made"), drill="customers_not_made"),
        Column("problems", _("Problems raised")),
        Column("rate", _("Made"), kind="pct", total=lambda t: ratio(t["made"], t["due"])),
    )
    chart = Chart("bar", x="kind", series=("made", "unreachable", "not_made"))
    rank_by = "rate"

    def rows(self, f):
        counted = (
            _calls(f).order_by().values_list("kind")
            .annotate(due=Count("id"), made=Count("id", filter=Q(status=TaskStatus.DONE)),
                      unreachable=Count("id", filter=Q(status=TaskStatus.UNREACHABLE)),
                      problems=Count("id", filter=~Q(problem_category="")))
        )  # fmt: skip
        by_kind = {kind: rest for kind, *rest in counted}
        for kind, label in Kind.choices:
            if kind not in by_kind:
                continue
            due, made, unreachable, problems = by_kind[kind]
            yield {
                "key": kind, "kind": str(label), "due": due, "made": made, "unreachable": unreachable,
                "not_made": due - made - unreachable, "problems": problems, "rate": ratio(made, due),
            }  # fmt: skip

    def _customers(self, f, key, condition=None):
        calls = _calls(f).filter(condition or Q())
        if key:
            calls = calls.filter(kind=key)
        return Customer.objects.filter(pk__in=calls.values("customer_id"))

    def customers_due(self, f, key):
        return self._customers(f, key)

    def customers_unreachable(self, f, key):
        return self._customers(f, key, Q(status=TaskStatus.UNREACHABLE))

    def customers_not_made(self, f, key):
        return self._customers(f, key, Q(status=TaskStatus.OPEN))


@register
class CustomerOpinions(Report):
    slug = "m-customer-opinions"
    title = _("Customer opinion handling")
    description = _("Complaints received in the period by type: resolved, still open, first contact late, "
                    "the customer's satisfaction with the handling (用户意见处理表).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    columns = (
        Column("type", _("Type"), kind="text", total=None),
        Column("received", _("Received"), drill="customers_received"),
        Column("resolved", _("Resolved")),
        Column("open", _("Still open"), drill="customers_open"),
        Column("contact_late", _("Contact late")),
        Column("rate", _("Resolved"), kind="pct", total=lambda t: ratio(t["resolved"], t["received"])),
    )
    chart = Chart("bar", x="type", series=("received", "resolved"))
    rank_by = "rate"

    def _complaints(self, f):
        start, end = bounds(f)
        return Complaint.objects.filter(store_id__in=f.store_ids, received_at__gte=start, received_at__lt=end)

    def rows(self, f):
        counted = {
            kind: rest for kind, *rest in self._complaints(f).order_by().values_list("complaint_type").annotate(
                n=Count("id"), resolved=Count("id", filter=Q(status__in=RESOLVED_STATUSES)),
                late=Count("id", filter=Q(contact_breached=True)))
        }  # fmt: skip
        for kind, label in ComplaintType.choices:
            if kind not in counted:
                continue
            n, resolved, late = counted[kind]
            yield {"key": kind, "type": str(label), "received": n, "resolved": resolved, "open": n - resolved,
                   "contact_late": late, "rate": ratio(resolved, n)}  # fmt: skip

    def customers_received(self, f, key):
        found = self._complaints(f)
        return Customer.objects.filter(
            pk__in=(found.filter(complaint_type=key) if key else found).values("customer_id")
        )

    def customers_open(self, f, key):
        found = self._complaints(f).exclude(status__in=RESOLVED_STATUSES)
        return Customer.objects.filter(
            pk__in=(found.filter(complaint_type=key) if key else found).values("customer_id")
        )


@register
class QualityOpinions(Report):
    slug = "m-quality-opinions"
    title = _("Repair quality and follow-up opinions")
    description = _("Problems customers raised on follow-up calls, by category: handled, customer informed, "
                    "still open, handled late (维修质量及跟踪意见处理汇总).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    columns = (
        Column("category", _("Problem category"), kind="text", total=None),
        Column("raised", _("Raised"), drill="customers_raised"),
        Column("handled", _("Handled")),
        Column("informed", _("Customer informed")),
        Column("open", _("Still open"), drill="customers_open"),
    )
    chart = Chart("pie", x="category", series=("raised",))
    rank_by = "raised"

    def _problems(self, f):
        start, end = bounds(f)
        return FollowUpProblem.objects.filter(store_id__in=f.store_ids, raised_at__gte=start, raised_at__lt=end)

    def rows(self, f):
        counted = {
            cat: rest for cat, *rest in self._problems(f).order_by().values_list("category").annotate(
                n=Count("id"), handled=Count("id", filter=Q(status=ProblemStatus.HANDLED)),
                informed=Count("id", filter=Q(status=ProblemStatus.INFORMED)))
        }  # fmt: skip
        for cat, label in ProblemCategory.choices:
            if cat not in counted:
                continue
            n, handled, informed = counted[cat]
            yield {"key": cat, "category": str(label), "raised": n, "handled": handled, "informed": informed,
                   "open": n - handled - informed}  # fmt: skip

    def customers_raised(self, f, key):
        found = self._problems(f)
        return Customer.objects.filter(pk__in=(found.filter(category=key) if key else found).values("customer_id"))

    def customers_open(self, f, key):
        found = self._problems(f).filter(status=ProblemStatus.OPEN)
        return Customer.objects.filter(pk__in=(found.filter(category=key) if key else found).values("customer_id"))


# --- 6.2.21 why due customers did not come ----------------------------------------------------------------


@register
class MissedMaintenance(Report):
    slug = "m-missed-maintenance"
    title = _("Why due maintenance customers did not come")
    description = _("The solicitation outcomes of the vehicles due for maintenance in the period's months "
                    "(定期保养未来店原因分析, docs/DOMAIN.md §11.5).")  # fmt: skip
    section = "monthly"
    periods = ("month", "range")
    columns = (
        Column("outcome", _("Outcome"), kind="text", total=None),
        Column("vehicles", _("Vehicles"), drill="customers"),
        Column("share", _("Share"), kind="pct", total=None),
    )
    chart = Chart("pie", x="outcome", series=("vehicles",))
    rank_by = "vehicles"

    def _entries(self, f):
        return SolicitationEntry.objects.filter(
            store_id__in=f.store_ids, month__gte=f.start.replace(day=1), month__lte=f.end
        )

    def rows(self, f):
        counted = list(
            self._entries(f).order_by().values_list("outcome", "decline_reason").annotate(n=Count("id"))
            .order_by("outcome", "decline_reason")
        )  # fmt: skip
        total = sum(n for *_k, n in counted)
        outcomes, reasons = dict(Outcome.choices), dict(DeclineReason.choices)
        for outcome, reason, n in counted:
            label = str(outcomes.get(outcome, _("No outcome yet"))) if outcome else str(_("No outcome yet"))
            if reason:
                label = f"{label} · {reasons.get(reason, reason)}"
            yield {"key": f"{outcome}:{reason}", "outcome": label, "vehicles": n, "share": ratio(n, total)}

    def customers(self, f, key):
        found = self._entries(f)
        if key:
            outcome, _sep, reason = key.partition(":")
            found = found.filter(outcome=outcome, decline_reason=reason)
        return Customer.objects.filter(pk__in=found.values("customer_id"))


# --- 6.2.22-24 discount levels and their changes --------------------------------------------------------


@register
class DiscountLevels(Report):
    slug = "m-discount-levels"
    title = _("Discount levels")
    description = _("Vehicles in use by discount level (车辆折扣等级统计); the drill-down lists their owners.")
    section = "monthly"
    periods = ("month", "day")
    columns = (
        Column("level", _("Discount level"), kind="text", total=None),
        Column("vehicles", _("Vehicles"), drill="owners"),
        Column("share", _("Share"), kind="pct", total=None),
    )
    chart = Chart("pie", x="level", series=("vehicles",))
    rank_by = "vehicles"

    def _vehicles(self, f):
        return Vehicle.objects.filter(store_id__in=f.store_ids, is_active=True)

    def rows(self, f):
        counted = list(self._vehicles(f).order_by().values_list("discount_level").annotate(n=Count("id")).order_by(
            "discount_level"))  # fmt: skip
        total = sum(n for _l, n in counted)
        for level, n in counted:
            yield {"key": level or "-", "level": level or str(_("None")), "vehicles": n, "share": ratio(n, total)}

    def owners(self, f, key):
        found = self._vehicles(f)
        if key:
            found = found.filter(discount_level="" if key == "-" else key)
        return Customer.objects.filter(pk__in=found.values("owner_id"))


def class_changes(f, field: str):
    start, end = bounds(f)
    return ClassChange.objects.filter(store_id__in=f.store_ids, field=field, changed_at__gte=start, changed_at__lt=end)


@register
class DiscountLevelChanges(Report):
    slug = "m-discount-changes"
    title = _("Discount level changes")
    description = _("Changes of vehicles' discount levels in the period, from → to (车辆折扣等级变动统计).")
    section = "monthly"
    periods = ("month", "range")
    columns = (
        Column("change", _("Change"), kind="text", total=None),
        Column("changes", _("Changes"), drill="owners"),
    )
    chart = Chart("bar", x="change", series=("changes",))
    rank_by = "changes"

    def rows(self, f):
        for old, new, n in (
            class_changes(f, ClassChange.Field.DISCOUNT_LEVEL).order_by().values_list("old_value", "new_value")
            .annotate(n=Count("id")).order_by("old_value", "new_value")
        ):  # fmt: skip
            yield {"key": f"{old}>{new}", "change": f"{old or '—'} → {new or '—'}", "changes": n}

    def owners(self, f, key):
        found = class_changes(f, ClassChange.Field.DISCOUNT_LEVEL)
        if key:
            old, _sep, new = key.partition(">")
            found = found.filter(old_value=old, new_value=new)
        return _owners_of_changes(found)


def _owners_of_changes(changes):
    return Customer.objects.filter(
        Q(pk__in=changes.filter(customer__isnull=False).values("customer_id"))
        | Q(pk__in=Vehicle.objects.filter(pk__in=changes.filter(vehicle__isnull=False).values("vehicle_id")).values(
            "owner_id"))
    )  # fmt: skip
