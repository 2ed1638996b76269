"""The ABC reports (seed 003 DMS 6.3; docs/DOMAIN.md §18.8) and the CRM KPIs per store (§18.5),
declared on reports/framework.py. Class changes are customers' ClassChange history (crm's nightly
rule and people's edits, §11.1)."""

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.customers.choices import ABCClass
from aftercare.customers.models import ClassChange, Customer

from .framework import Chart, Column, Report, ratio, register, text_column
from .kpis import CRM_KPIS, crm_kpis
from .monthly import bounds, changes_from_to, class_changes, narrowed, owners_of_changes


def _vehicle_changes(f):
    return class_changes(f, ClassChange.Field.ABC_CLASS).filter(vehicle__isnull=False)


@register
class VehicleClassChanges(Report):
    slug = "abc-vehicle-changes"
    title = _("Vehicle class changes")
    description = _("How many vehicles moved from one ABC class to another in the period (车辆级别变动情况统计).")
    section = "abc"
    periods = ("month", "range")
    columns = (text_column("change", _("Change")), Column("vehicles", _("Vehicles"), drill="owners"))
    chart = Chart("bar", x="change", series=("vehicles",))
    rank_by = "vehicles"

    def rows(self, f):
        return changes_from_to(_vehicle_changes(f), "vehicles", Count("vehicle_id", distinct=True))

    def owners(self, f, key):
        return owners_of_changes(_vehicle_changes(f), key)


@register
class VehicleClassChangeList(Report):
    slug = "abc-vehicle-change-list"
    title = _("Vehicle class change list")
    description = _(
        "Each vehicle class change in the period: when, which vehicle, from, to, why, who (车辆级别变动情况清单)."
    )
    section = "abc"
    periods = ("month", "range")
    columns = (
        text_column("when", _("Time")),
        text_column("plate", _("Plate")),
        text_column("owner", _("Owner")),
        text_column("old", _("From")),
        text_column("new", _("To")),
        text_column("reason", _("Reason")),
        text_column("by", _("Changed by")),
        Column("count", _("Changes"), drill="owner_of"),
    )
    chart = None
    rank_by = "count"

    def rows(self, f):
        for change in _vehicle_changes(f).select_related("vehicle", "vehicle__owner", "changed_by").order_by(
            "changed_at", "id"
        ):  # fmt: skip
            yield {
                "key": str(change.pk), "when": f"{timezone.localtime(change.changed_at):%Y-%m-%d %H:%M}",
                "plate": change.vehicle.plate or change.vehicle.vin, "owner": change.vehicle.owner.name,
                "old": change.old_value or "—", "new": change.new_value or "—", "reason": change.reason,
                "by": str(change.changed_by) if change.changed_by_id else str(_("the nightly rule")), "count": 1,
            }  # fmt: skip

    def owner_of(self, f, key):
        return owners_of_changes(narrowed(_vehicle_changes(f), key, "pk"))


@register
class CustomerClasses(Report):
    slug = "abc-customer-classes"
    title = _("Customer classification")
    description = _("Customers by ABC class with their spend and visits over 12 months (用户分类明细表); "
                    "the drill-down lists them.")  # fmt: skip
    section = "abc"
    periods = ("month", "day")
    columns = (
        text_column("abc", _("ABC class")),
        Column("customers", _("Customers"), drill="customers"),
        Column("spend", _("Spend (12 months)"), kind="money"),
        Column("visits", _("Visits (12 months)")),
        Column("changed", _("Class changed in the period"), drill="changed_customers"),
    )
    chart = Chart("pie", x="abc", series=("customers",))
    rank_by = "customers"

    def _customers(self, f):
        return Customer.objects.filter(store_id__in=f.store_ids, merged_into__isnull=True)

    def rows(self, f):
        from aftercare.crm.models import CustomerProfile

        counted = dict(self._customers(f).order_by().values_list("abc_class").annotate(n=Count("id")))
        money = {
            c: (s, v) for c, s, v in CustomerProfile.objects.filter(store_id__in=f.store_ids)
            .order_by().values_list("customer__abc_class").annotate(s=Sum("spend"), v=Sum("visits"))
        }  # fmt: skip
        changed = dict(
            self._changed(f).order_by().values_list("new_value").annotate(n=Count("customer_id", distinct=True))
        )
        for value, label in [*ABCClass.choices, ("", _("Not classified"))]:
            if not counted.get(value) and not changed.get(value):
                continue
            spend, visits = money.get(value, (None, None))
            yield {
                "key": value or "-", "abc": str(label), "customers": counted.get(value, 0), "spend": spend or 0,
                "visits": visits or 0, "changed": changed.get(value, 0),
            }  # fmt: skip

    def customers(self, f, key):
        found = self._customers(f)
        return found.filter(abc_class="" if key == "-" else key) if key else found

    def _changed(self, f):
        return class_changes(f, ClassChange.Field.ABC_CLASS).filter(customer__isnull=False)

    def changed_customers(self, f, key):
        found = self._changed(f)
        if key:
            found = found.filter(new_value="" if key == "-" else key)
        return Customer.objects.filter(pk__in=found.values("customer_id"))


@register
class CrmKpisByStore(Report):
    """The five CRM KPIs of a period per store (docs/DOMAIN.md §18.5); the group view ranks the stores."""

    slug = "crm-kpis"
    title = _("CRM KPIs by store")
    description = _("Retention, follow-up coverage, satisfaction, complaint resolution and repurchase per store, "
                    "with the customers not counted behind each rate.")  # fmt: skip
    section = "crm"
    periods = ("month", "range")
    columns = (
        text_column("store", _("Store")),
        *(
            Column(key, label, kind="pct", drill=f"missed_{key}",
                   total=lambda t, key=key: ratio(t.get(f"_{key}_n"), t.get(f"_{key}_d")))
            for key, label, *_rest in CRM_KPIS
        ),
    )  # fmt: skip
    chart = Chart("bar", x="store", series=tuple(key for key, *_rest in CRM_KPIS))
    rank_by = "retention"

    def _kpis(self, f, store_ids):
        start, end = bounds(f)
        return crm_kpis(store_ids=store_ids, start=start, end=end, as_of=timezone.now())

    def rows(self, f):
        for store in f.stores:
            row = {"key": str(store.pk), "store": store.name}
            for kpi in self._kpis(f, [store.pk]):
                row[kpi.key] = kpi.rate
                row[f"_{kpi.key}_n"], row[f"_{kpi.key}_d"] = kpi.numerator, kpi.denominator
            yield row

    def _missed(self, f, key, kpi_key):
        store_ids = [int(key)] if key else f.store_ids
        [kpi] = [k for k in self._kpis(f, store_ids) if k.key == kpi_key] or [None]
        ids = {row["customer_id"] for row in kpi.misses} if kpi else set()
        return Customer.objects.filter(pk__in=ids)

    def api_extra(self, f):
        """Each KPI of the whole selection with its numerator and denominator."""
        return {
            "kpis": [
                {"key": k.key, "rate": k.rate, "target": k.target, "numerator": k.numerator,
                 "denominator": k.denominator, "met": k.met}
                for k in self._kpis(f, f.store_ids)
            ]
        }  # fmt: skip

    def __getattr__(self, name):
        if name.startswith("missed_"):
            kpi_key = name.removeprefix("missed_")
            return lambda f, key: self._missed(f, key, kpi_key)
        raise AttributeError(name)
