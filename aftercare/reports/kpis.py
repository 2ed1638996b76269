"""The five CRM KPIs (docs/DOMAIN.md §18.5), composed from each domain app's KPI selector.

Every selector answers the same shape for a half-open period [start, end), measured as known
at `as_of`: {"numerator", "denominator", "rate", "rows"}, one row per thing counted in the
denominator ({"customer_id", "ok", "cause", "person_id", "repair_order_id", ...}); the rows with
ok are the numerator. Reports only composes: it adds targets, labels, the causes of a miss and
the "dissatisfied and still open" mark (a survey's unhappy customer with a complaint still open).
"""

import importlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import KpiTargets
from .targets import register_target_key, targets_for

# Cause codes, from the domain apps, with the words the manager reads.
CAUSE_LABELS = {
    "followup_not_made": _("Follow-up not made"),
    "followup_made_late": _("Follow-up made late"),
    "dissatisfied": _("Dissatisfied"),
    "dissatisfied_open": _("Dissatisfied and still open"),
    "complaint_open": _("Complaint still open"),
    "complaint_resolved_after_period": _("Resolved after the month ended"),
    "left_regular": _("No longer a regular customer"),
    "first_visit": _("First visit, not yet returning"),
}

# (key, label, app, module, selector, target field)
CRM_KPIS = (
    ("retention", _("Retention rate"), "crm", "selectors", "retention_kpi", "retention_pct"),
    ("followup_coverage", _("Follow-up coverage"), "followups", "selectors", "coverage_kpi", "followup_coverage_pct"),
    ("satisfaction", _("Customer satisfaction"), "surveys", "selectors", "satisfaction_kpi", "satisfaction_pct"),
    ("complaint_resolution", _("Complaint resolution"), "complaints", "selectors", "resolution_kpi",
     "complaint_resolution_pct"),
    ("repurchase", _("Repurchase rate"), "crm", "selectors", "repurchase_kpi", "repurchase_pct"),
)  # fmt: skip
CRM_KPI_KEYS = tuple(key for key, *_rest in CRM_KPIS)


@dataclass
class CrmKpi:
    key: str
    label: str
    rate: Decimal | None
    target: Decimal
    numerator: int
    denominator: int
    rows: list = field(default_factory=list)

    @property
    def met(self) -> bool | None:
        return None if self.rate is None else self.rate >= self.target

    @property
    def misses(self) -> list:
        return [row for row in self.rows if not row["ok"]]


def pct(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.0001"))


def crm_kpis(*, store_ids, start, end, as_of=None, keys=CRM_KPI_KEYS) -> list[CrmKpi]:
    """The five KPIs of [start, end) for the stores, with their targets (one store: its own)."""
    store_ids = list(store_ids)
    targets = KpiTargets.for_stores(store_ids)
    # A target set for the month (经营目标, §18.4) wins over the store's standing one.
    monthly = targets_for(store_ids=store_ids, month=timezone.localdate(start))
    found = {}
    for key, label, app, module, function, target_field in CRM_KPIS:
        if key not in keys or not apps.is_installed(f"aftercare.{app}"):
            continue
        selector = getattr(importlib.import_module(f"aftercare.{app}.{module}"), function)
        result = selector(store_ids=store_ids, start=start, end=end, as_of=as_of)
        target = monthly.get(key) if monthly.get(key) is not None else pct(getattr(targets, target_field))
        found[key] = CrmKpi(
            key, label, result["rate"], target, result["numerator"],
            result["denominator"], result["rows"],
        )  # fmt: skip
    if "satisfaction" in found and apps.is_installed("aftercare.complaints"):
        _mark_still_open(found["satisfaction"], store_ids=store_ids, as_of=as_of)
    return list(found.values())


def _mark_still_open(kpi: CrmKpi, *, store_ids, as_of) -> None:
    """A dissatisfied survey whose customer has a complaint not resolved at `as_of`."""
    from aftercare.complaints.selectors import customers_with_open_complaints

    unhappy = {row["customer_id"] for row in kpi.misses}
    if not unhappy:
        return
    still_open = customers_with_open_complaints(store_ids=store_ids, customer_ids=unhappy, as_of=as_of)
    for row in kpi.misses:
        if row["customer_id"] in still_open:
            row["cause"] = "dissatisfied_open"


def causes(kpi: CrmKpi, limit: int = 5) -> list[dict]:
    """The commonest (cause, person) pairs behind a KPI's misses, most first."""
    counts = Counter((row["cause"], row["person_id"]) for row in kpi.misses)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0], item[0][1] or 0))
    return [{"cause": cause, "person_id": person_id, "count": n} for (cause, person_id), n in ordered[:limit]]


def _actual(key: str):
    def actual(*, store_ids, start, end):
        from aftercare.core.dates import local_day_bounds

        since, until = local_day_bounds(start, end)
        [kpi] = crm_kpis(store_ids=store_ids, start=since, end=until, keys=(key,)) or [None]
        return kpi.rate if kpi else None

    return actual


# The CRM KPIs are targets of the month too (satisfaction is registered with the daily figures).
for _key, _label, *_rest in CRM_KPIS:
    if _key != "satisfaction":
        register_target_key(_key, _label, "pct", _actual(_key))
