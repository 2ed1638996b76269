"""The workflow mechanism (core.workflow) as repair orders use it; each app's
table and guards are tested where they live."""

from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.service.services import REPAIR_ORDER_WORKFLOW


def test_a_guard_registered_twice_runs_once(monkeypatch):
    monkeypatch.setattr(REPAIR_ORDER_WORKFLOW, "guards", {})
    calls = []

    def guard(order):
        calls.append(order)

    REPAIR_ORDER_WORKFLOW.register_guard(Status.SETTLED, guard)
    REPAIR_ORDER_WORKFLOW.register_guard(Status.SETTLED, guard)
    assert REPAIR_ORDER_WORKFLOW.refusal(RepairOrder(status=Status.READY), Status.SETTLED) is None
    assert len(calls) == 1


def test_the_table_refuses_before_any_guard_is_asked(monkeypatch):
    asked = []
    monkeypatch.setattr(REPAIR_ORDER_WORKFLOW, "guards", {Status.SETTLED: [lambda order: asked.append(order)]})
    assert REPAIR_ORDER_WORKFLOW.refusal(RepairOrder(status=Status.RECEPTION), Status.SETTLED)
    assert asked == []


def test_guards_that_take_a_context_get_the_note_and_what_the_mover_computed(monkeypatch):
    seen = []
    monkeypatch.setattr(
        REPAIR_ORDER_WORKFLOW, "guards", {Status.SETTLED: [lambda order, context: seen.append(context) or "不行"]}
    )
    order = RepairOrder(status=Status.READY)
    refusal = REPAIR_ORDER_WORKFLOW.refusal(order, Status.SETTLED, note="现金", context={"balance": 0})
    assert refusal == "不行" and seen == [{"note": "现金", "balance": 0}]
