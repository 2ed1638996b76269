"""Spreadsheets into warranty, through the one import pipeline (core.imports):
policies, the carmaker's answer file and its payment list (docs/DOMAIN.md §14.4).

The carmaker's files are applied once per line: each row is recorded with the
file's SHA-256 and its row number, and a row already recorded is UNCHANGED, so a
file imported twice changes no claim twice."""

import hashlib
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.imports import CREATED, UNCHANGED, UPDATED, Importer
from aftercare.core.spreadsheets import CellError, ChoiceReader, cell_text, parse_decimal, read_table

from . import services
from .choices import Coverage, ExchangeKind
from .models import WarrantyPolicy

POLICIES, ANSWERS, PAYMENTS = "policies", "answers", "payments"

# The layouts are documented in docs/DOMAIN.md §14.4: the first header of each list is the one we write.
POLICY_COLUMNS = {
    "brand": ["品牌", "brand"],
    "model": ["车型", "model"],
    "coverage": ["保修项目", "coverage"],
    "months": ["月数", "months"],
    "km": ["里程", "公里数", "km"],
    "valid_from": ["销售起始日", "valid from"],
    "valid_to": ["销售截止日", "valid to"],
    "excluded_parts": ["易损件除外", "excluded parts"],
}
ANSWER_COLUMNS = {
    "claim_number": ["索赔单号", "claim number"],
    "verdict": ["审核结果", "verdict"],
    "amount": ["批准金额", "approved amount"],
    "reason": ["不受理原因", "reason"],
}
PAYMENT_COLUMNS = {
    "claim_number": ["索赔单号", "claim number"],
    "amount": ["付款金额", "amount paid"],
}
_COVERAGE = ChoiceReader(Coverage, {
    Coverage.FIRST_FREE: ["首保"], Coverage.BASIC: ["整车", "基本保修"], Coverage.POWERTRAIN: ["动力总成"],
    Coverage.BATTERY: ["电池", "动力电池"], Coverage.MOTOR: ["电机", "驱动电机"],
    Coverage.CONTROLLER: ["电控", "控制器"],
})  # fmt: skip
_ACCEPTED, _REJECTED = {"accepted", "受理", "通过", "同意"}, {"rejected", "不受理", "拒绝", "驳回"}


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _day(raw) -> date | None:
    text = cell_text(raw)
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise CellError(_("Enter a date such as 2026-03-01.")) from None


def _whole(raw, name: str, errors: dict) -> int | None:
    try:
        number = parse_decimal(raw)
    except CellError as error:
        errors[name] = str(error)
        return None
    if number is None or number < 0 or number != int(number):
        errors[name] = _("Enter a whole number.")
        return None
    return int(number)


class PolicyImporter(Importer):
    kind = POLICIES
    label = gettext_lazy("Warranty policies")
    model = WarrantyPolicy
    columns = POLICY_COLUMNS
    required = ("brand", "coverage", "months", "km")
    example = {"brand": "比亚迪", "model": "", "coverage": "电池", "months": "96", "km": "150000"}

    def __init__(self, *, actor, column_map, store):
        super().__init__(actor=actor, column_map=column_map)
        self.store = store

    def row(self, number, values):
        errors, data = {}, {"brand": cell_text(values.get("brand")), "model": cell_text(values.get("model"))}
        try:
            data["coverage"] = _COVERAGE(values.get("coverage"))
        except CellError as error:
            errors["coverage"] = str(error)
        data["months"], data["km"] = (
            _whole(values.get("months"), "months", errors),
            _whole(values.get("km"), "km", errors),
        )
        for name in ("valid_from", "valid_to"):
            try:
                data[name] = _day(values.get(name))
            except CellError as error:
                errors[name] = str(error)
        data["excluded_parts"] = cell_text(values.get("excluded_parts"))
        if not data["brand"]:
            errors["brand"] = _("Enter the brand.")

        def save() -> str:
            existing = WarrantyPolicy.objects.filter(
                store=self.store, brand=data["brand"], model=data["model"], coverage=data.get("coverage"),
                valid_from=data.get("valid_from"),
            ).first()  # fmt: skip
            _policy, changed = services.policy_save(actor=self.actor, store=self.store, policy=existing, **data)
            return (UPDATED if existing else CREATED) if changed else UNCHANGED

        return errors, save


class ExchangeImporter(Importer):
    """A line of the carmaker's file, applied once (see the module's docstring)."""

    exchange_kind = ""

    def __init__(self, *, actor, column_map, store, digest: str):
        super().__init__(actor=actor, column_map=column_map)
        self.store, self.digest = store, digest

    def apply(self, number: int, claim_number: str, **values) -> str:
        record = services.exchange_line_apply(
            actor=self.actor, store=self.store, kind=self.exchange_kind, file_hash=self.digest, row=number,
            claim_number=claim_number, **values,
        )  # fmt: skip
        return UNCHANGED if record is None else UPDATED

    def audit_changes(self):
        return {"file_sha256": [None, self.digest]}


class AnswerImporter(ExchangeImporter):
    kind = ANSWERS
    exchange_kind = ExchangeKind.ANSWER
    label = gettext_lazy("Carmaker's answer file")
    columns = ANSWER_COLUMNS
    required = ("claim_number", "verdict")
    example = {"claim_number": "WC000001", "verdict": "受理", "amount": "1280.00", "reason": ""}

    def row(self, number, values):
        errors = {}
        claim_number = cell_text(values.get("claim_number"))
        verdict_text = cell_text(values.get("verdict")).lower()
        verdict = "accepted" if verdict_text in _ACCEPTED else "rejected" if verdict_text in _REJECTED else ""
        if not verdict:
            errors["verdict"] = _("Enter 受理 or 不受理.")
        try:
            amount = parse_decimal(values.get("amount"))
        except CellError as error:
            errors["amount"], amount = str(error), None
        reason = cell_text(values.get("reason"))
        if verdict == "rejected" and not reason:
            errors["reason"] = _("A rejection gives its reason.")
        if not claim_number:
            errors["claim_number"] = _("Enter the claim number.")

        def apply() -> str:
            return self.apply(number, claim_number, verdict=verdict, amount=amount, reason=reason)

        return errors, apply


class PaymentImporter(ExchangeImporter):
    kind = PAYMENTS
    exchange_kind = ExchangeKind.PAYMENT
    label = gettext_lazy("Carmaker's payment list")
    columns = PAYMENT_COLUMNS
    required = ("claim_number", "amount")
    example = {"claim_number": "WC000001", "amount": "1280.00"}

    def row(self, number, values):
        errors = {}
        claim_number = cell_text(values.get("claim_number"))
        try:
            amount = parse_decimal(values.get("amount"))
        except CellError as error:
            errors["amount"], amount = str(error), None
        if amount is None and "amount" not in errors:
            errors["amount"] = _("Enter the amount paid.")
        if not claim_number:
            errors["claim_number"] = _("Enter the claim number.")

        def apply() -> str:
            return self.apply(number, claim_number, amount=amount)

        return errors, apply


IMPORT_KINDS = {POLICIES: PolicyImporter, ANSWERS: AnswerImporter, PAYMENTS: PaymentImporter}


def importer_factory(*, actor, store, kind: str, digest: str = ""):
    from aftercare.core.imports import column_map_for

    spec = IMPORT_KINDS[kind]

    def make(headers):
        column_map = column_map_for(spec, headers)
        if kind == POLICIES:
            return spec(actor=actor, column_map=column_map, store=store)
        return spec(actor=actor, column_map=column_map, store=store, digest=digest)

    return make


def import_bytes(*, actor, store, kind: str, data: bytes, filename: str, mode: str):
    """Import a whole file at once (the API, the tests, the demo)."""
    import io

    from aftercare.core import imports as pipeline

    upload = io.BytesIO(data)
    upload.name = filename
    headers, rows = read_table(upload)
    make = importer_factory(actor=actor, store=store, kind=kind, digest=file_hash(data))
    return pipeline.run(make, headers, rows, mode=mode, filename=filename, audit_store=store)
