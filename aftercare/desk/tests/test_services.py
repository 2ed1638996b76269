"""The service desk's rules (docs/DOMAIN.md §25): rescues told through the door, VIC free,
quality defects claimed; major-event alerts; the seven steps of a recovery."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.core.workflow import TransitionRefused
from aftercare.desk import selectors, services
from aftercare.desk.choices import NoticeRole, RecoveryStatus, RescueChannel, RescueStatus
from aftercare.desk.models import EventNotice, RecoveryCase, RescueRequest
from aftercare.followups.models import FollowUpTask
from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


def _request(store, actor=None, **kwargs):
    data = {
        "actor": actor, "store": store, "channel": RescueChannel.PHONE_PAGE, "contact_name": "李娜",
        "contact_phone": "13800001111", "symptom": "高速上爆胎", "latitude": "23.129163", "longitude": "113.264435",
    }  # fmt: skip
    data.update(kwargs)
    return services.rescue_create(**data)


def _dispatched(store, staff, **kwargs):
    rescue, token = _request(store, **kwargs)
    services.rescue_dispatch(
        actor=staff["advisor"], rescue=rescue, technician=staff["technician"], rescue_vehicle="救援车1号",
        eta_minutes=40,
    )  # fmt: skip
    return RescueRequest.objects.get(pk=rescue.pk), token


# --- rescue -------------------------------------------------------------------------------------


def test_a_request_from_the_phone_is_matched_to_the_customer_by_mobile_and_to_the_car(store, staff, vehicle):
    with time_machine.travel(T0, tick=False):
        rescue, token = _request(store)
    assert rescue.customer == vehicle.owner and rescue.vehicle == vehicle and rescue.plate == "粤A88888"
    assert rescue.number == "RS000001" and rescue.status == RescueStatus.NEW
    assert services.rescue_by_token(token) == rescue
    assert len(rescue.token_hash) == 64 and token not in rescue.token_hash
    assert rescue.fee == services.RESCUE_FEE and not rescue.free_for_vic


def test_a_request_needs_an_address_or_both_coordinates(store, staff):
    with pytest.raises(ValidationError) as error:
        _request(store, latitude="", longitude="")
    assert "address" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _request(store, latitude="95", longitude="113")
    assert "latitude" in error.value.message_dict
    rescue, _token = _request(store, latitude=None, longitude=None, address="广州市天河路385号")
    assert rescue.address == "广州市天河路385号"


def test_every_status_of_a_rescue_is_sent_to_the_customer_through_the_door(store, staff, vehicle):
    with time_machine.travel(T0, tick=False):
        rescue, _token = _dispatched(store, staff)
        for to in (RescueStatus.ON_THE_WAY, RescueStatus.ARRIVED, RescueStatus.TOWING):
            services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=to)
        services.rescue_finish(actor=staff["advisor"], rescue=rescue, result="更换备胎后拖回店内检修")
    codes = list(Message.objects.filter(customer=vehicle.owner).order_by("id").values_list("template_code", "state"))
    assert [code for code, _state in codes] == [
        "rescue_received", "rescue_dispatched", "rescue_on_the_way", "rescue_arrived", "rescue_towing", "rescue_done",
    ]  # fmt: skip
    assert all(state != "cancelled" for _code, state in codes)
    dispatched = Message.objects.get(template_code="rescue_dispatched")
    assert "救援车1号" in dispatched.text and "3月4日 10:40" in dispatched.text
    rescue.refresh_from_db()
    assert [c.to_status for c in rescue.status_changes.all()] == [
        "new", "dispatched", "on_the_way", "arrived", "towing", "done",
    ]  # fmt: skip


def test_a_rescue_dispatched_at_23_00_is_told_at_once_while_marketing_waits_for_the_morning(store, staff, vehicle):
    """docs/DOMAIN.md §15.1, §25.2: a rescue's status is an urgent service notice, never held."""
    from aftercare.customers.services import consent_record
    from aftercare.messaging.services import message_send

    night = T0.replace(hour=23)
    with time_machine.travel(night, tick=False):
        rescue, _token = _dispatched(store, staff)
        told = Message.objects.get(source_id=rescue.pk, template_code="rescue_dispatched")
        assert (told.state, told.reason, told.next_attempt_at) == ("queued", "", night)
        assert told.events.get().note == "urgent"
        consent_record(actor=None, customer=vehicle.owner, purpose="marketing_sms", granted=True, channel="in_store")
        offer = message_send(store=store, customer=vehicle.owner, purpose="marketing", template_code="portal_link",
                             context={}, dedupe_key="night-offer")  # fmt: skip
        assert (offer.state, offer.reason) == ("held", "quiet hours")


def test_dispatch_needs_a_technician_a_vehicle_and_an_eta(store, staff, vehicle):
    rescue, _token = _request(store)
    with pytest.raises(ValidationError) as error:
        services.rescue_dispatch(actor=staff["advisor"], rescue=rescue, technician=None, rescue_vehicle="",
                                 eta_minutes=0)  # fmt: skip
    assert set(error.value.message_dict) == {"technician", "rescue_vehicle", "eta_minutes"}
    with pytest.raises(TransitionRefused):
        services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ARRIVED)


def test_the_result_books_a_follow_up_call_with_the_advisor(store, staff, vehicle):
    with time_machine.travel(T0, tick=False):
        rescue, _token = _dispatched(store, staff)
        services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ON_THE_WAY)
        services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ARRIVED)
        rescue = services.rescue_finish(actor=staff["advisor"], rescue=rescue, result="搭电启动", fee="150")
    task = FollowUpTask.objects.get(pk=rescue.followup_task_id)
    assert task.kind == "rescue" and task.owner == staff["advisor"] and task.due_at == T0 + timedelta(hours=24)
    assert rescue.fee == Decimal("150.00")


def test_a_rescue_is_free_for_a_vic_customer(store, staff, vehicle, enrol_vic):
    enrol_vic(vehicle.owner, staff["vic_specialist"])
    rescue, _token = _dispatched(store, staff)
    assert rescue.free_for_vic and rescue.fee == 0
    services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ON_THE_WAY)
    services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ARRIVED)
    rescue = services.rescue_finish(actor=staff["advisor"], rescue=rescue, result="搭电启动", fee="300")
    assert rescue.fee == 0


def test_a_rescue_a_quality_defect_caused_becomes_a_line_of_the_warranty_claim(store, staff, vehicle, monkeypatch):
    rescue, _token = _dispatched(store, staff)
    services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ON_THE_WAY)
    services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.ARRIVED)
    rescue = services.rescue_finish(actor=staff["advisor"], rescue=rescue, result="油泵故障，拖车回店",
                                    quality_defect=True)  # fmt: skip
    assert rescue.fee == 0

    calls = []

    class Line:
        pk = 77

    def claim_line_add(**kwargs):
        calls.append(kwargs)
        return Line()

    monkeypatch.setattr("aftercare.warranty.services.claim_line_add", claim_line_add)
    claim = type("Claim", (), {"store_id": store.pk, "vehicle_id": vehicle.pk, "number": "WC0000001"})()
    with pytest.raises(PermissionDenied):
        services.rescue_claim(actor=staff["advisor"], rescue=rescue, claim=claim, amount="600")
    rescue = services.rescue_claim(actor=staff["warranty_clerk"], rescue=rescue, claim=claim, amount="600")
    assert rescue.claim_line_id == 77
    assert calls[0]["kind"] == "rescue" and calls[0]["unit_price"] == Decimal("600.00")
    with pytest.raises(ValidationError):
        services.rescue_claim(actor=staff["warranty_clerk"], rescue=rescue, claim=claim, amount="600")


def test_a_cancelled_rescue_says_why(store, staff):
    rescue, _token = _request(store, address="天河路")
    with pytest.raises(TransitionRefused):
        services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.CANCELLED)
    rescue = services.rescue_transition(actor=staff["advisor"], rescue=rescue, to=RescueStatus.CANCELLED,
                                        note="客户已自行解决")  # fmt: skip
    assert rescue.status == RescueStatus.CANCELLED and rescue.closed_at


def test_staff_of_another_store_cannot_take_or_move_a_rescue(store, other_store, staff):
    with pytest.raises(PermissionDenied):
        _request(other_store, actor=staff["advisor"], address="番禺")
    rescue, _token = _request(store, address="天河路")
    from aftercare.tests.factories import MembershipFactory, UserFactory

    outsider = UserFactory(username="py-advisor")
    MembershipFactory(user=outsider, store=other_store, role="advisor")
    with pytest.raises(PermissionDenied):
        services.rescue_transition(actor=outsider, rescue=rescue, to=RescueStatus.CANCELLED, note="x")
    assert not RescueRequest.objects.for_user(outsider, "desk.work").exists()


# --- major events --------------------------------------------------------------------------------


def test_a_major_event_notifies_the_advisor_the_vic_specialist_and_the_manager(store, staff, customer, enrol_vic):
    enrol_vic(customer, staff["vic_specialist"])
    with time_machine.travel(T0, tick=False):
        event = services.event_record(actor=staff["customer_care"], customer=customer, kind="crashed",
                                      description="高速追尾，人员受伤住院")  # fmt: skip
    notices = {(n.role, n.user.username) for n in EventNotice.objects.filter(event=event).select_related("user")}
    assert notices == {
        (NoticeRole.ADVISOR, "advisor"), (NoticeRole.VIC, "vic_specialist"), (NoticeRole.MANAGER, "service_manager"),
    }  # fmt: skip
    task = FollowUpTask.objects.get(pk=event.care_task_id)
    assert task.kind == "care" and task.owner == staff["vic_specialist"] and task.due_at == T0 + timedelta(hours=4)
    assert event.flagged_until == T0.date() + timedelta(days=90)
    from aftercare.desk.selectors import customer_flags, my_notices

    with time_machine.travel(T0, tick=False):
        assert customer_flags(customer) == [event]
    with time_machine.travel(T0 + timedelta(days=91), tick=False):
        assert customer_flags(customer) == []
    notice = my_notices(staff["service_manager"], store).get()
    services.notice_acknowledge(actor=staff["service_manager"], notice=notice)
    assert not my_notices(staff["service_manager"], store).exists()


def test_the_care_script_is_the_care_call_s(store, staff, customer):
    from aftercare.followups.scripts import DEFAULT_SCRIPTS

    assert "care" in DEFAULT_SCRIPTS and "rescue" in DEFAULT_SCRIPTS


# --- the seven steps -----------------------------------------------------------------------------


def _order(store, staff, vehicle):
    from aftercare.service.services import repair_order_open
    from aftercare.tests.factories import catalog_for

    catalog_for(store)
    return repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle, odometer_km=50000)


def test_every_one_of_the_seven_steps_is_recorded_with_person_time_and_note(store, staff, vehicle):
    care, manager = staff["customer_care"], staff["service_manager"]
    with time_machine.travel(T0 - timedelta(hours=1), tick=False):
        case = services.recovery_open(actor=care, customer=vehicle.owner, reason="quality")
    assert case.contact_name == "李娜" and case.contact_phone == "13800001111"
    steps = [
        (RecoveryStatus.CONTACT_KEPT, "客户档案已核实"),
        (RecoveryStatus.CALLED, "当天电话联系客户"),
        (RecoveryStatus.APOLOGISED, "诚恳致歉，承认返修问题"),
    ]
    for at, (to, note) in enumerate(steps):
        with time_machine.travel(T0 + timedelta(hours=at), tick=False):
            case = services.recovery_step(actor=care, case=case, note=note)
        assert case.status == to
    # Step 4: a linked repair order, free only with the manager's approval.
    with pytest.raises(TransitionRefused):
        services.recovery_step(actor=care, case=case, note="已修复")
    order = _order(store, staff, vehicle)
    services.recovery_fix_details(actor=care, case=case, repair_order=order, free_repair=True)
    with pytest.raises(TransitionRefused) as refused:
        services.recovery_step(actor=care, case=case, note="已修复")
    case.refresh_from_db()
    assert str(services._fault_fixed(case)) in str(refused.value)  # the free repair waits for its approval
    with pytest.raises(PermissionDenied):
        services.recovery_approve_free(actor=care, case=case)
    services.recovery_approve_free(actor=manager, case=case)
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        case = services.recovery_step(actor=care, case=case, note="免费更换变速箱阀体")
    assert case.status == RecoveryStatus.FIXED and case.free_approved_by == manager
    with pytest.raises(TransitionRefused):
        services.recovery_step(actor=manager, case=case, note="")
    for to, note in (
        (RecoveryStatus.SANCTION_TOLD, "责任技师已按规定处罚并告知客户"),
        (RecoveryStatus.PLAN_AGREED, "约定每次保养由专人负责并免费检测"),
        (RecoveryStatus.PREVENTED, "返修车辆增加二次质检"),
    ):
        with time_machine.travel(T0 + timedelta(hours=6), tick=False):
            case = services.recovery_step(actor=manager, case=case, note=note)
        assert case.status == to
    assert not case.is_open and case.closed_at
    rows = list(case.steps.values_list("to_status", "changed_by__username", "note"))
    assert [r[0] for r in rows] == ["opened", *RecoveryStatus.values[1:8]]
    assert all(r[1] and r[2] for r in rows[1:])
    with pytest.raises(TransitionRefused):
        services.recovery_step(actor=manager, case=case, note="再一步")


def test_the_lost_rule_opens_a_recovery_when_the_reason_is_quality(
    store, staff, customer, django_capture_on_commit_callbacks
):
    from aftercare.crm.signals import customer_lost

    customer_lost.send(sender=None, customer_id=customer.pk, store_id=store.pk, reason="price")
    assert not RecoveryCase.objects.exists()
    customer_lost.send(sender=None, customer_id=customer.pk, store_id=store.pk, reason="quality")
    customer_lost.send(sender=None, customer_id=customer.pk, store_id=store.pk, reason="quality")
    case = RecoveryCase.objects.get()
    assert case.source == "retention" and case.owner == staff["advisor"] and case.reason == "quality"


def test_a_customer_lost_for_quality_who_refused_the_rule_s_offer_still_gets_a_recovery(
    store, staff, django_capture_on_commit_callbacks
):
    """docs/DOMAIN.md §25.5: the offer is marketing, the recovery's call a service contact."""
    from aftercare.crm import rules
    from aftercare.crm.choices import Trigger

    customer = CustomerFactory(store=store, name="周杰", mobile="13900009999")
    rule = next(r for r in rules.rules_ensure(store) if r.trigger == Trigger.LOST)
    due = rules.Due(customer, None, "20260101", "返修两次", {"lost_reason": "quality", "offer": "x"})
    with django_capture_on_commit_callbacks(execute=True):
        firing = rules.fire(rule=rule, due=due, now=T0)
    assert firing.state == "refused" and not Message.objects.filter(customer=customer).exclude(state="cancelled")
    case = RecoveryCase.objects.get(customer=customer)
    assert case.source == "retention" and selectors.recovery_call_refused(case) == ""


def test_the_crm_lost_rule_sends_customer_lost_after_it_acts(
    store, staff, monkeypatch, django_capture_on_commit_callbacks
):
    from aftercare.crm import rules
    from aftercare.crm.choices import Trigger
    from aftercare.crm.signals import customer_lost

    customer = CustomerFactory(store=store, name="周杰")
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    customer_lost.connect(listener)
    try:
        rule = next(r for r in rules.rules_ensure(store) if r.trigger == Trigger.LOST)
        due = rules.Due(customer, None, "20260101", "返修两次", {"lost_reason": "quality", "offer": "x"})
        with django_capture_on_commit_callbacks(execute=True):
            rules.fire(rule=rule, due=due, now=T0)
    finally:
        customer_lost.disconnect(listener)
    assert heard[0]["customer_id"] == customer.pk and heard[0]["reason"] == "quality"
    assert RecoveryCase.objects.filter(customer=customer).exists()
