"""Claims built from an order and their workflow: every allowed and every forbidden move (docs/DOMAIN.md §14.3)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.core.workflow import TransitionRefused
from aftercare.warranty import services
from aftercare.warranty.choices import CLAIM_TRANSITIONS, ClaimStatus
from aftercare.warranty.models import Claim, ClaimStatusChange

pytestmark = pytest.mark.django_db
S = ClaimStatus
TODAY = date(2026, 5, 1)


@pytest.fixture
def claim(staff, settled_order):
    return services.claim_build(actor=staff["warranty_clerk"], order=settled_order)


def _place(claim, status):
    Claim.objects.filter(pk=claim.pk).update(status=status, submissions=1 if status != S.DRAFT else 0)
    claim.refresh_from_db()
    return claim


def test_a_claim_carries_the_order_s_warranty_lines(claim, settled_order):
    kinds = sorted(claim.lines.values_list("kind", flat=True))
    assert kinds == ["labour", "other", "part"]
    labour = claim.lines.get(kind="labour")
    assert labour.hours > 0
    assert claim.claimed_amount == sum(line.amount for line in claim.lines.all())
    assert claim.causal_part_code == claim.lines.get(kind="part").code
    assert claim.status == S.DRAFT and claim.status_changes.count() == 1
    assert claim.deadline == claim.repaired_on + __import__("datetime").timedelta(days=30)


def test_a_claim_is_built_only_once_and_only_after_settlement(staff, settled_order, claim):
    with pytest.raises(ValidationError):
        services.claim_build(actor=staff["warranty_clerk"], order=settled_order)
    settled_order.status = "ready"
    with pytest.raises(ValidationError):
        services.claim_build(actor=staff["warranty_clerk"], order=settled_order)


def test_only_the_warranty_clerk_builds_claims(staff, settled_order):
    with pytest.raises(PermissionDenied):
        services.claim_build(actor=staff["advisor"], order=settled_order)


def test_a_rescue_line_can_be_added_to_a_draft(staff, claim):
    before = claim.claimed_amount
    services.claim_line_add(
        actor=staff["warranty_clerk"], claim=claim, kind="rescue", description="道路救援拖车", unit_price=Decimal("300")
    )
    claim.refresh_from_db()
    assert claim.claimed_amount == before + Decimal("300.00")


ALL_MOVES = [(a, b) for a in S.values for b in S.values if a != b]


@pytest.mark.parametrize(("start", "to"), ALL_MOVES)
def test_every_move_is_allowed_exactly_when_the_table_lists_it(staff, claim, start, to):
    _place(claim, start)
    move = lambda: services.claim_transition(  # noqa: E731
        actor=staff["warranty_clerk"], claim=claim, to=to, note="已补充照片", amount=Decimal("100"), today=TODAY
    )
    if to in CLAIM_TRANSITIONS[start]:
        moved = move()
        assert moved.status == to
        assert ClaimStatusChange.objects.filter(claim=claim, from_status=start, to_status=to).exists()
    else:
        with pytest.raises(TransitionRefused):
            move()
        assert Claim.objects.get(pk=claim.pk).status == start


def test_a_rejection_needs_the_carmaker_s_reason(staff, claim):
    _place(claim, S.SUBMITTED)
    with pytest.raises(TransitionRefused):
        services.claim_transition(actor=staff["warranty_clerk"], claim=claim, to=S.REJECTED, today=TODAY)


def test_a_rejected_claim_is_corrected_and_submitted_again(staff, claim):
    clerk = staff["warranty_clerk"]
    services.claim_transition(actor=clerk, claim=claim, to=S.SUBMITTED, today=TODAY)
    services.claim_transition(actor=clerk, claim=claim, to=S.REJECTED, note="缺少旧件照片", today=TODAY)
    claim.refresh_from_db()
    assert claim.rejection_reason == "缺少旧件照片"
    services.claim_update(actor=clerk, claim=claim, symptom_code="S12", cause_code="C04")
    with pytest.raises(TransitionRefused):
        services.claim_transition(actor=clerk, claim=claim, to=S.SUBMITTED, today=TODAY)
    services.claim_transition(actor=clerk, claim=claim, to=S.SUBMITTED, note="补充旧件照片", today=TODAY)
    claim.refresh_from_db()
    assert (claim.status, claim.submissions) == (S.SUBMITTED, 2)


def test_a_submitted_claim_cannot_be_corrected(staff, claim):
    services.claim_transition(actor=staff["warranty_clerk"], claim=claim, to=S.SUBMITTED, today=TODAY)
    with pytest.raises(ValidationError):
        services.claim_update(actor=staff["warranty_clerk"], claim=claim, symptom_code="S1")


def test_a_claim_past_its_deadline_cannot_be_submitted(staff, claim):
    late = date.fromordinal(claim.deadline.toordinal() + 1)
    with pytest.raises(TransitionRefused, match="deadline"):
        services.claim_transition(actor=staff["warranty_clerk"], claim=claim, to=S.SUBMITTED, today=late)
    services.claim_transition(actor=staff["warranty_clerk"], claim=claim, to=S.SUBMITTED, today=claim.deadline)


def test_the_manager_reads_claims_but_does_not_move_them(staff, claim):
    from aftercare.core.permissions import Perm

    assert Claim.objects.for_user(staff["service_manager"], Perm.WARRANTY_VIEW).count() == 1
    with pytest.raises(PermissionDenied):
        services.claim_transition(actor=staff["service_manager"], claim=claim, to=S.SUBMITTED, today=TODAY)


def test_claims_are_scoped_to_their_store(staff, claim, other_store):
    from aftercare.core.permissions import Perm
    from aftercare.tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="other_clerk")
    MembershipFactory(user=outsider, store=other_store, role="warranty_clerk")
    assert not Claim.objects.for_user(outsider, Perm.WARRANTY_VIEW).exists()
    with pytest.raises(PermissionDenied):
        services.claim_transition(actor=outsider, claim=claim, to=S.SUBMITTED, today=TODAY)


def test_an_order_with_a_claim_is_never_deleted_and_the_claim_is_named(claim, settled_order):
    from aftercare.core.services import delete_vetoes

    assert "This repair order has a warranty claim." in delete_vetoes(settled_order)
