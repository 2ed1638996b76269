"""The carmaker's answer file and payment list through core.imports: a matched line, a short payment,
an unknown claim, a file imported twice (docs/DOMAIN.md §14.4); policies from xlsx."""

from datetime import date
from decimal import Decimal

import pytest

from aftercare.core.imports import VALID_ROWS
from aftercare.warranty import services
from aftercare.warranty.choices import ClaimStatus, Coverage, ExchangeOutcome
from aftercare.warranty.imports import ANSWERS, PAYMENTS, POLICIES, import_bytes
from aftercare.warranty.models import Claim, ClaimStatusChange, ExchangeLine, WarrantyPolicy

pytestmark = pytest.mark.django_db
TODAY = date(2026, 5, 1)


@pytest.fixture
def submitted(staff, settled_order):
    claim = services.claim_build(actor=staff["warranty_clerk"], order=settled_order)
    return services.claim_transition(actor=staff["warranty_clerk"], claim=claim, to=ClaimStatus.SUBMITTED, today=TODAY)


def _csv(*lines) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _import(staff, store, kind, data):
    return import_bytes(
        actor=staff["warranty_clerk"], store=store, kind=kind, data=data, filename="f.csv", mode=VALID_ROWS
    )


def test_an_answer_accepts_a_claim_and_a_payment_list_pays_it(staff, store, submitted):
    amount = submitted.claimed_amount
    result = _import(
        staff, store, ANSWERS, _csv("索赔单号,审核结果,批准金额,不受理原因", f"{submitted.number},受理,{amount},")
    )
    assert (result.updated, result.errors) == (1, [])
    submitted.refresh_from_db()
    assert (submitted.status, submitted.approved_amount) == (ClaimStatus.ACCEPTED, amount)
    _import(staff, store, PAYMENTS, _csv("索赔单号,付款金额", f"{submitted.number},{amount}"))
    submitted.refresh_from_db()
    assert (submitted.status, submitted.paid_amount) == (ClaimStatus.PAID, amount)
    assert ExchangeLine.objects.get(kind="payment").outcome == ExchangeOutcome.MATCHED


def test_a_short_payment_is_flagged_with_its_difference(staff, store, submitted):
    services.claim_transition(actor=staff["warranty_clerk"], claim=submitted, to=ClaimStatus.ACCEPTED, today=TODAY)
    paid = submitted.claimed_amount - Decimal("50.00")
    _import(staff, store, PAYMENTS, _csv("索赔单号,付款金额", f"{submitted.number},{paid}"))
    line = ExchangeLine.objects.get()
    assert (line.outcome, line.difference) == (ExchangeOutcome.SHORT, Decimal("50.00"))
    submitted.refresh_from_db()
    assert submitted.short_amount == Decimal("50.00")


def test_an_unknown_claim_number_is_recorded_and_flagged(staff, store, submitted):
    _import(staff, store, PAYMENTS, _csv("索赔单号,付款金额", "WC999999,10"))
    line = ExchangeLine.objects.get()
    assert (line.outcome, line.claim) == (ExchangeOutcome.UNKNOWN, None)


def test_a_rejection_in_the_answer_file_keeps_the_carmaker_s_reason(staff, store, submitted):
    _import(
        staff, store, ANSWERS, _csv("索赔单号,审核结果,批准金额,不受理原因", f"{submitted.number},不受理,,超出保修期")
    )
    submitted.refresh_from_db()
    assert (submitted.status, submitted.rejection_reason) == (ClaimStatus.REJECTED, "超出保修期")


def test_a_file_imported_twice_changes_no_claim_twice(staff, store, submitted):
    data = _csv("索赔单号,审核结果,批准金额,不受理原因", f"{submitted.number},受理,100,")
    _import(staff, store, ANSWERS, data)
    again = _import(staff, store, ANSWERS, data)
    assert (again.updated, again.unchanged, again.errors) == (0, 1, [])
    assert ClaimStatusChange.objects.filter(claim=submitted, to_status=ClaimStatus.ACCEPTED).count() == 1
    assert ExchangeLine.objects.count() == 1


def test_a_row_the_file_cannot_say_is_reported_with_its_row_number(staff, store, submitted):
    result = _import(staff, store, ANSWERS, _csv("索赔单号,审核结果,批准金额,不受理原因", f"{submitted.number},也许,,"))
    assert [(e.row, e.field) for e in result.errors] == [(2, "审核结果")]
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED


def test_policies_import_from_a_spreadsheet_and_again_unchanged(staff, store):
    data = _csv("品牌,车型,保修项目,月数,里程,销售起始日,销售截止日,易损件除外", "比亚迪,,电池,96,150000,2024-01-01,,")
    first = _import(staff, store, POLICIES, data)
    assert (first.created, first.errors) == (1, [])
    assert WarrantyPolicy.objects.get().coverage == Coverage.BATTERY
    again = _import(staff, store, POLICIES, data)
    assert (again.created, again.unchanged) == (0, 1)
