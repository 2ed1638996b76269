"""Complaint handling: the clocks, the crisis path, the workflow table, the
follow-up call on resolution and the breach job."""

from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.complaints import services
from aftercare.complaints.choices import TRANSITIONS, ClockState, Status
from aftercare.complaints.models import Complaint, ComplaintSettings
from aftercare.core.models import AuditEntry
from aftercare.tests.factories import MembershipFactory, UserFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


def _walk_to(complaint, status, manager):
    """Move a complaint along the happy path up to `status`."""
    path = [Status.CONTACTED, Status.PLAN, Status.RESOLVED, Status.INFORMED, Status.CLOSED]
    for step in path[: path.index(status) + 1]:
        if step == Status.PLAN:
            services.complaint_update(
                actor=manager, complaint=complaint,
                data={"resolution_plan": "免费复检", "plan_due_at": complaint.received_at + timedelta(days=2)},
            )  # fmt: skip
            complaint = services.complaint_transition(actor=manager, complaint=complaint, to=step)
        elif step == Status.RESOLVED:
            complaint = services.complaint_resolve(actor=manager, complaint=complaint, result="已免费维修")
        elif step == Status.CLOSED:
            complaint = services.complaint_close(actor=manager, complaint=complaint, satisfaction=4, note="满意")
        else:
            complaint = services.complaint_transition(actor=manager, complaint=complaint, to=step)
    return complaint


def test_a_new_complaint_is_numbered_owned_by_the_manager_and_its_clocks_start(make_complaint, staff):
    with time_machine.travel(T0, tick=False):
        complaint = make_complaint()
    assert complaint.number == "CP000001"
    assert complaint.status == Status.NEW
    assert complaint.owner == staff["service_manager"]
    assert complaint.submitted_by == staff["advisor"]
    assert complaint.contact_due_at == T0 + timedelta(hours=1)
    assert complaint.answer_due_at == T0 + timedelta(days=3)
    assert complaint.inform_due_at is None
    assert list(complaint.status_changes.values_list("to_status", flat=True)) == ["new"]
    assert AuditEntry.objects.filter(object_type="complaints.complaint", action="create").count() == 1


def test_the_clocks_follow_the_stores_settings(make_complaint, store):
    ComplaintSettings.objects.create(store=store, contact_within_minutes=30, answer_within_hours=48)
    with time_machine.travel(T0, tick=False):
        complaint = make_complaint()
    assert complaint.contact_due_at == T0 + timedelta(minutes=30)
    assert complaint.answer_due_at == T0 + timedelta(hours=48)


def test_contact_within_the_hour_meets_the_clock(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        complaint = make_complaint()
        clock.shift(timedelta(minutes=40))
        complaint = services.complaint_transition(actor=manager, complaint=complaint, to=Status.CONTACTED)
        contact = complaint.clocks()[0]
    assert contact.state == ClockState.MET
    assert contact.taken == timedelta(minutes=40)
    assert complaint.contact_breached is False


def test_contact_after_the_hour_is_flagged_as_breached(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        complaint = make_complaint()
        clock.shift(timedelta(minutes=61))
        complaint = services.complaint_transition(actor=manager, complaint=complaint, to=Status.CONTACTED)
    assert complaint.contact_breached is True
    assert complaint.clocks()[0].state == ClockState.BREACHED


def test_a_running_clock_reads_as_breached_once_its_deadline_has_passed(make_complaint):
    with time_machine.travel(T0, tick=False):
        complaint = make_complaint()
    assert complaint.clocks(now=T0 + timedelta(minutes=59))[0].state == ClockState.RUNNING
    assert complaint.clocks(now=T0 + timedelta(minutes=61))[0].state == ClockState.BREACHED
    assert complaint.clocks()[2].state == ClockState.WAITING


def test_the_result_must_be_told_within_24_hours_of_the_resolution(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        complaint = _walk_to(make_complaint(), Status.RESOLVED, manager)
        assert complaint.inform_due_at == T0 + timedelta(hours=24)
        clock.shift(timedelta(hours=25))
        complaint = services.complaint_transition(actor=manager, complaint=complaint, to=Status.INFORMED)
    assert complaint.inform_breached is True
    assert complaint.answer_breached is False
    assert [c.state for c in complaint.clocks()] == [ClockState.MET, ClockState.MET, ClockState.BREACHED]


def test_answering_after_three_days_breaches_the_answer_clock(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        complaint = _walk_to(make_complaint(), Status.PLAN, manager)
        clock.shift(timedelta(days=3, minutes=1))
        complaint = services.complaint_resolve(actor=manager, complaint=complaint, result="已处理")
    assert complaint.answer_breached is True
    assert complaint.contact_breached is False


def test_a_crisis_is_urgent_the_managers_and_must_be_contacted_within_its_own_limit(make_complaint, staff, store):
    ComplaintSettings.objects.create(store=store, contact_within_minutes=120, crisis_contact_within_minutes=45)
    with time_machine.travel(T0, tick=False):
        complaint = make_complaint(is_crisis=True, priority="low", description="车辆在洗车时被刮伤")
    assert complaint.priority == "urgent"
    assert complaint.owner == staff["service_manager"]
    assert complaint.contact_due_at == T0 + timedelta(minutes=45)


@pytest.mark.skipif(not apps.is_installed("aftercare.followups"), reason="the followups app is not installed")
def test_resolving_creates_the_complaint_follow_up_call_once(make_complaint, staff):
    from aftercare.followups.models import FollowUpTask

    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        complaint = _walk_to(make_complaint(is_crisis=True), Status.RESOLVED, manager)
        tasks = FollowUpTask.objects.filter(source_key=f"complaint:{complaint.pk}")
        assert tasks.count() == 1
        task = tasks.get()
        assert task.kind == "complaint"
        assert task.due_at == T0 + timedelta(hours=24)
        assert task.owner == manager
        assert task.customer_id == complaint.customer_id
        # The customer is not happy: back to the plan, resolved again — still one call.
        clock.shift(timedelta(hours=2))
        complaint = services.complaint_transition(actor=manager, complaint=complaint, to=Status.PLAN, note="客户不认可")
        services.complaint_resolve(actor=manager, complaint=complaint, result="更换新件")
    assert FollowUpTask.objects.filter(source_key=f"complaint:{complaint.pk}").count() == 1


def test_every_allowed_move_is_accepted(make_complaint, staff):
    manager = staff["service_manager"]
    complaint = _walk_to(make_complaint(), Status.CLOSED, manager)
    history = list(complaint.status_changes.values_list("from_status", "to_status"))
    assert history == [
        ("", "new"), ("new", "contacted"), ("contacted", "plan"), ("plan", "resolved"), ("resolved", "informed"),
        ("informed", "closed"),
    ]  # fmt: skip
    assert complaint.closed_at is not None and complaint.satisfaction == 4


@pytest.mark.parametrize(
    ("start", "to"),
    [(start, to) for start in Status.values for to in Status.values if to not in TRANSITIONS[start]],
)
def test_every_forbidden_move_is_refused(make_complaint, staff, start, to):
    manager = staff["service_manager"]
    complaint = make_complaint()
    if start != Status.NEW:
        complaint = _walk_to(complaint, start, manager)
    with pytest.raises(services.TransitionRefused):
        services.complaint_transition(actor=manager, complaint=complaint, to=to, note="x")
    complaint.refresh_from_db()
    assert complaint.status == start


def test_a_plan_needs_its_text_and_deadline(make_complaint, staff):
    manager = staff["service_manager"]
    complaint = services.complaint_transition(actor=manager, complaint=make_complaint(), to=Status.CONTACTED)
    with pytest.raises(services.TransitionRefused):
        services.complaint_transition(actor=manager, complaint=complaint, to=Status.PLAN)


def test_a_complaint_goes_back_to_the_plan_only_with_a_reason(make_complaint, staff):
    manager = staff["service_manager"]
    complaint = _walk_to(make_complaint(), Status.RESOLVED, manager)
    with pytest.raises(services.TransitionRefused):
        services.complaint_transition(actor=manager, complaint=complaint, to=Status.PLAN, note="  ")
    complaint = services.complaint_transition(actor=manager, complaint=complaint, to=Status.PLAN, note="客户仍不满意")
    assert complaint.status_changes.last().note == "客户仍不满意"


def test_resolving_records_the_result_and_the_move_in_one_audit_row(make_complaint, staff):
    complaint = _walk_to(make_complaint(), Status.PLAN, staff["service_manager"])
    services.complaint_resolve(actor=staff["service_manager"], complaint=complaint, result="已免费维修")
    (entry,) = AuditEntry.objects.filter(object_id=str(complaint.pk), changes__has_key="result")
    assert entry.changes["status"] == ["plan", "resolved"] and entry.changes["result"] == ["", "已免费维修"]


def test_complaint_moves_announce_themselves_after_commit(make_complaint, staff, django_capture_on_commit_callbacks):
    complaint = make_complaint()
    received = []
    services.complaint_status_changed.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="cp")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.complaint_transition(actor=staff["service_manager"], complaint=complaint, to=Status.CONTACTED)
    finally:
        services.complaint_status_changed.disconnect(dispatch_uid="cp")
    assert [(kw["complaint_id"], kw["from_status"], kw["to_status"]) for kw in received] == [
        (complaint.pk, "new", "contacted")
    ]


def test_closing_needs_a_satisfaction_of_one_to_five(make_complaint, staff):
    manager = staff["service_manager"]
    complaint = _walk_to(make_complaint(), Status.INFORMED, manager)
    for bad in (0, 6, "5", None):
        with pytest.raises(ValidationError):
            services.complaint_close(actor=manager, complaint=complaint, satisfaction=bad)
    with pytest.raises(services.TransitionRefused):
        services.complaint_transition(actor=manager, complaint=complaint, to=Status.CLOSED)


def test_only_the_manager_handles_a_complaint(make_complaint, staff):
    complaint = make_complaint()
    for role in ("advisor", "cashier", "customer_care", "vic_specialist", "technician"):
        with pytest.raises(PermissionDenied):
            services.complaint_transition(actor=staff[role], complaint=complaint, to=Status.CONTACTED)
        with pytest.raises(PermissionDenied):
            services.complaint_update(actor=staff[role], complaint=complaint, data={"resolution_plan": "x"})


def test_recording_needs_the_create_permission(make_complaint, staff):
    for role in ("technician", "foreman", "parts_clerk", "admin"):
        with pytest.raises(PermissionDenied):
            make_complaint(actor=staff[role])
    for role in ("advisor", "cashier", "customer_care", "vic_specialist", "service_manager"):
        assert make_complaint(actor=staff[role]).pk


def test_a_customer_of_another_store_is_refused(make_complaint, other_store):
    from aftercare.tests.factories import CustomerFactory

    with pytest.raises(ValidationError) as error:
        make_complaint(customer=CustomerFactory(store=other_store), vehicle=None)
    assert "customer" in error.value.message_dict


def test_a_group_wide_manager_owns_complaints_when_the_store_has_none(store, vehicle):
    boss = UserFactory(username="boss")
    MembershipFactory(user=boss, store=None, group=store.group, role="service_manager")
    clerk = UserFactory(username="clerk")
    MembershipFactory(user=clerk, store=store, role="advisor")
    complaint = services.complaint_create(
        actor=clerk, store=store, customer=vehicle.owner, channel="web", complaint_type="price", description="贵"
    )
    assert complaint.owner == boss


def test_the_breach_job_flags_late_clocks_once_and_escalates_with_an_audit_row(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        late = make_complaint()
        on_time = services.complaint_transition(actor=manager, complaint=make_complaint(), to=Status.CONTACTED)
        fresh_at = T0 + timedelta(minutes=30)
        clock.move_to(fresh_at)
        fresh = make_complaint()
        clock.move_to(T0 + timedelta(minutes=61))
        assert services.complaints_flag_breaches() == 1
        assert services.complaints_flag_breaches() == 0
    late.refresh_from_db(), on_time.refresh_from_db(), fresh.refresh_from_db()
    assert late.contact_breached and late.escalated_to == manager and late.escalated_at is not None
    assert not on_time.is_breached and on_time.escalated_at is None
    assert not fresh.is_breached
    entry = AuditEntry.objects.filter(object_type="complaints.complaint", object_id=str(late.pk), actor=None).get()
    assert entry.changes["contact_breached"] == [False, True]
    assert entry.changes["escalated_to"] == [None, manager.pk]


def test_the_breach_job_flags_the_answer_and_inform_clocks_too(make_complaint, staff):
    manager = staff["service_manager"]
    with time_machine.travel(T0, tick=False) as clock:
        unanswered = services.complaint_transition(actor=manager, complaint=make_complaint(), to=Status.CONTACTED)
        untold = _walk_to(make_complaint(), Status.RESOLVED, manager)
        clock.shift(timedelta(days=3, minutes=5))
        assert services.complaints_flag_breaches() == 2
    assert Complaint.objects.get(pk=unanswered.pk).answer_breached
    assert Complaint.objects.get(pk=untold.pk).inform_breached
    assert Complaint.objects.breached().count() == 2


def test_the_scheduled_task_runs_the_breach_job(make_complaint):
    from aftercare.complaints.tasks import flag_complaint_breaches

    with time_machine.travel(T0, tick=False) as clock:
        make_complaint()
        clock.shift(timedelta(hours=2))
        result = flag_complaint_breaches.enqueue()
    assert result.return_value == 1


def test_settings_changes_are_audited_and_validated(staff, store):
    manager = staff["service_manager"]
    config = services.complaint_settings_update(actor=manager, store=store, data={"answer_within_hours": 48})
    assert config.answer_within_hours == 48 and config.contact_within_minutes == 60
    with pytest.raises(ValidationError):
        services.complaint_settings_update(actor=manager, store=store, data={"answer_within_hours": 0})
    with pytest.raises(PermissionDenied):
        services.complaint_settings_update(actor=staff["advisor"], store=store, data={"answer_within_hours": 5})
