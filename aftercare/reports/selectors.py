"""The numbers the manager sees (the CRM KPIs, docs/DOMAIN.md §10), read ONLY through the domain
apps' contract selectors. Each app is looked up lazily, so the page still works
(showing "—") when one of them is not installed."""

import importlib
import logging
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from .models import KpiTargets

logger = logging.getLogger(__name__)


def _contract(app: str, module: str, function: str, **kwargs) -> dict | None:
    if not apps.is_installed(f"aftercare.{app}"):
        return None
    selector = getattr(importlib.import_module(f"aftercare.{app}.{module}"), function)
    return selector(**kwargs)


@dataclass
class Kpi:
    key: str
    label: str
    value: Decimal | int | None
    target: Decimal | int | None
    numerator: int | None = None
    denominator: int | None = None
    customer_ids: list = field(default_factory=list)
    is_count: bool = False  # a count that should be zero, not a rate

    @property
    def available(self) -> bool:
        return self.value is not None

    @property
    def met(self) -> bool | None:
        if self.value is None or self.target is None:
            return None
        return self.value <= self.target if self.is_count else self.value >= self.target


def _pct(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.0001"))


def _from_rows(key: str, label, result: dict | None, target_pct: int) -> Kpi:
    """A KPI from a selector answering {numerator, denominator, rate, rows} (reports.kpis); its
    drill-down lists each customer not counted once."""
    if result is None:
        return Kpi(key, label, None, _pct(target_pct))
    missed = list(dict.fromkeys(row["customer_id"] for row in result["rows"] if not row["ok"]))
    return Kpi(key, label, result["rate"], _pct(target_pct), result["numerator"], result["denominator"], missed)


def manager_numbers(*, store_ids, start, end) -> list[Kpi]:
    """Follow-up coverage, satisfaction, complaint resolution, each complaint clock's
    on-time rate and the dissatisfied customers still open, for [start, end)."""
    store_ids = list(store_ids)
    targets = KpiTargets.for_stores(store_ids)
    period = {"store_ids": store_ids, "start": start, "end": end}
    # Counted per customer, not per call (docs/DOMAIN.md §18.5).
    coverage = _contract("followups", "selectors", "coverage_kpi", **period)
    retention = _contract("crm", "selectors", "retention_kpi", **period)
    repurchase = _contract("crm", "selectors", "repurchase_kpi", **period)
    survey = _contract("surveys", "selectors", "satisfaction", **period)
    complaints = _contract("complaints", "selectors", "complaint_kpis", **period)

    kpis = [
        _from_rows("retention", _("Retention rate"), retention, targets.retention_pct),
        _from_rows("followup_coverage", _("Follow-up coverage"), coverage, targets.followup_coverage_pct),
        Kpi(
            "satisfaction",
            _("Customer satisfaction"),
            survey["rate"] if survey else None,
            _pct(targets.satisfaction_pct),
            survey["satisfied"] if survey else None,
            survey["surveyed"] if survey else None,
            list(survey["dissatisfied_customer_ids"]) if survey else [],
        ),
        Kpi(
            "complaint_resolution",
            _("Complaint resolution"),
            complaints["resolution_rate"] if complaints else None,
            _pct(targets.complaint_resolution_pct),
            complaints["resolved"] if complaints else None,
            complaints["total"] if complaints else None,
        ),
    ]
    kpis.append(_from_rows("repurchase", _("Repurchase rate"), repurchase, targets.repurchase_pct))
    for key, label in (
        ("contact_on_time_rate", _("Complaints contacted within the deadline")),
        ("answer_on_time_rate", _("Complaints answered within the deadline")),
        ("inform_on_time_rate", _("Customers told the result within the deadline")),
    ):
        kpis.append(Kpi(key, label, complaints.get(key) if complaints else None, _pct(targets.complaint_on_time_pct)))
    open_ids = list(complaints["open_dissatisfied_customer_ids"]) if complaints else []
    kpis.append(
        Kpi(
            "open_dissatisfied",
            _("Dissatisfied customers still open"),
            len(open_ids) if complaints else None,
            0,
            customer_ids=open_ids,
            is_count=True,
        )
    )
    return kpis
