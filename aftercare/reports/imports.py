"""Targets (经营目标, docs/DOMAIN.md §18.4) imported from a spreadsheet through the one import pipeline
(core/imports.py): one row per store, month and figure."""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.imports import CREATED, Importer, column_map_for
from aftercare.core.models import Store
from aftercare.core.permissions import Perm

from . import targets
from .models import Target

TARGETS = "targets"
MAX_VALUE = Decimal("9999999999.99")


class TargetImporter(Importer):
    kind = TARGETS
    label = gettext_lazy("Targets")
    model = Target
    columns = {
        "store": ["门店代码", "store", "门店"],
        "month": ["月份", "month"],
        "figure": ["指标", "figure", "key"],
        "value": ["目标值", "target", "value"],
    }
    required = ("store", "month", "figure", "value")
    example = {"store": "th", "month": "2026-12", "figure": "revenue", "value": "500000"}

    def __init__(self, *, actor, column_map):
        super().__init__(actor=actor, column_map=column_map)
        stores = Store.objects.for_user(actor, Perm.TARGET_SET)
        self.stores = {s.code.lower(): s for s in stores} | {s.name: s for s in stores}
        self.keys = {k: k for k in targets.TARGET_KEYS} | {str(s.label): k for k, s in targets.TARGET_KEYS.items()}

    def row(self, number: int, values: dict):
        errors = {}
        code = str(values.get("store") or "").strip()
        store = self.stores.get(code.lower()) or self.stores.get(code)
        if store is None:
            errors["store"] = _("No store of yours has this code.")
        try:
            month = datetime.strptime(str(values.get("month") or "").strip()[:7], "%Y-%m").date()
        except ValueError:
            month = None
            errors["month"] = _("Write the month as 2026-12.")
        key = self.keys.get(str(values.get("figure") or "").strip())
        if key is None:
            errors["figure"] = _("Unknown figure. Use one of: %(keys)s.") % {"keys": ", ".join(targets.TARGET_KEYS)}
        try:
            value = Decimal(str(values.get("value")).strip().rstrip("%"))
            if not (0 <= value <= MAX_VALUE):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            value = None
            errors["value"] = _("Enter a number of at least 0.")
        if errors:
            return errors, None
        if targets.TARGET_KEYS[key].kind == "pct":
            if value > 100:
                return {"value": _("A rate is at most 100 (%).")}, None
            value = (value / 100).quantize(Decimal("0.0001"))
        errors.update(self.claim(number, "figure", f"{store.pk}:{month}:{key}", _("Row %(row)s has the same target.")))

        def save() -> str:
            targets.target_set(actor=self.actor, store=store, month=month, values={key: value})
            return CREATED

        return errors, save


def importer_factory(*, actor):
    if not actor.has_perm(Perm.TARGET_SET):
        raise PermissionDenied

    def make(headers: Sequence[str]) -> Importer:
        return TargetImporter(actor=actor, column_map=column_map_for(TargetImporter, headers))

    return make
