"""Targets (经营目标, docs/DOMAIN.md §18.4): per store and month, one value per figure. The figures are
open: this module knows those read from the daily figures; another module registers more (each KPI)
with `register_target_key(key, label, kind, actual)`, where actual(store_ids, start, end) gives the
result of the period (a rate as a fraction 0..1)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .figures import figures_sum
from .framework import ratio
from .models import Target


@dataclass(frozen=True)
class TargetKey:
    key: str
    label: str
    kind: str  # int | money | hours | pct (a fraction 0..1)
    actual: Callable[..., object]  # actual(store_ids=..., start=..., end=...)
    higher_is_better: bool = True


TARGET_KEYS: dict[str, TargetKey] = {}


def register_target_key(key: str, label, kind: str, actual, higher_is_better: bool = True) -> None:
    TARGET_KEYS[key] = TargetKey(key, label, kind, actual, higher_is_better)


def _summed(name: str):
    def actual(*, store_ids, start, end):
        return figures_sum(store_ids=store_ids, start=start, end=end)[0][name]

    return actual


def _satisfaction(*, store_ids, start, end):
    row = figures_sum(store_ids=store_ids, start=start, end=end)[0]
    return ratio(row["satisfied"], row["surveyed"])


register_target_key("arrivals", _("Arrivals"), "int", _summed("arrivals"))
register_target_key("revenue", _("Revenue"), "money", _summed("revenue"))
register_target_key("revenue_labour", _("Labour revenue"), "money", _summed("revenue_labour"))
register_target_key("revenue_parts", _("Parts revenue"), "money", _summed("revenue_parts"))
register_target_key("frt_hours", _("FRT hours sold"), "hours", _summed("frt_hours"))
register_target_key("new_customers", _("New customers"), "int", _summed("new_customers"))
register_target_key("satisfaction", _("Satisfaction"), "pct", _satisfaction)


def targets_for(*, store_ids, month: date) -> dict[str, Decimal]:
    """{key: target} of the month: one store's own; several stores' amounts added, their rates averaged."""
    values: dict[str, list[Decimal]] = {}
    for key, value in Target.objects.filter(store_id__in=list(store_ids), month=month.replace(day=1)).values_list(
        "key", "value"
    ):
        values.setdefault(key, []).append(value)
    result = {}
    for key, found in values.items():
        spec = TARGET_KEYS.get(key)
        if spec is None:
            continue
        if spec.kind == "pct":
            result[key] = (sum(found) / len(found)).quantize(Decimal("0.0001"))
        elif spec.kind == "int":
            result[key] = int(sum(found))
        else:
            result[key] = sum(found).quantize(Decimal("0.01"))
    return result


def target_set(*, actor, store, month: date, values: dict) -> int:
    """Store the month's targets of `store` ({key: value or None}); None removes a target. The caller
    checked that `actor` may set them (reports.views.targets_edit). Returns the number stored."""
    month = month.replace(day=1)
    stored = 0
    with transaction.atomic():
        for key, value in values.items():
            if key not in TARGET_KEYS:
                continue
            if value is None:
                Target.objects.filter(store=store, month=month, key=key).delete()
                continue
            Target.objects.update_or_create(
                store=store, month=month, key=key, defaults={"value": value, "set_by": actor, "set_at": timezone.now()}
            )
            stored += 1
    return stored


def labour_cost_set(*, store, rate: Decimal):
    """A store's standing labour cost per FRT hour for the service profit report (docs/DOMAIN.md §18.7).
    The caller checked that the actor may set targets (reports.views.labour_cost_edit)."""
    from .models import ProfitSettings

    settings, _created = ProfitSettings.objects.update_or_create(store=store, defaults={"labour_cost_per_hour": rate})
    return settings
