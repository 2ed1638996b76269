"""The demo shows every capability with data that agrees with itself: nothing in
the history happens after the demo was made, orders at final inspection or ready
have all their jobs done, the workshop has inspections, rework and photos, ABC
classes change, and the customer specialist has a real day of calls."""

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.customers.models import ClassChange
from aftercare.followups import selectors as followups
from aftercare.followups.models import FollowUpTask
from aftercare.service.choices import Status
from aftercare.service.models import Photo, RepairOrder, StatusChange
from aftercare.workshop.choices import JobStatus
from aftercare.workshop.models import Finding, QualityCheck, Rework

pytestmark = pytest.mark.django_db

# A weekday mid-morning: calls made yesterday, due now and coming up all exist.
MADE_AT = timezone.make_aware(timezone.datetime(2026, 12, 2, 10, 30))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, demo_media):
    """One demo for the module (seeding takes a while), rolled back at the end."""
    from django.test import override_settings

    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=demo_media):
        with transaction.atomic():
            with time_machine.travel(MADE_AT, tick=True):
                call_command("seed_demo", "--stores", "1")
            with time_machine.travel(MADE_AT + timezone.timedelta(minutes=5), tick=False):
                yield timezone.now()
            transaction.set_rollback(True)


def test_no_timestamp_of_the_history_lies_after_the_demo_was_made(demo):
    assert not StatusChange.objects.filter(changed_at__gt=demo).exists()
    assert not RepairOrder.objects.filter(Q(opened_at__gt=demo) | Q(closed_at__gt=demo)).exists()
    assert not FollowUpTask.objects.filter(Q(completed_at__gt=demo) | Q(contacted_at__gt=demo)).exists()
    assert not ClassChange.objects.filter(changed_at__gt=demo).exists()


def test_each_orders_history_runs_forward_in_time(demo):
    for order in RepairOrder.objects.prefetch_related("status_changes"):
        moments = [c.changed_at for c in sorted(order.status_changes.all(), key=lambda c: c.pk)]
        assert moments == sorted(moments), order.number
        assert not moments or order.opened_at <= moments[0]


def test_orders_at_final_inspection_or_ready_have_every_job_done(demo):
    orders = RepairOrder.objects.filter(status__in=[Status.QUALITY_CHECK, Status.READY]).annotate(
        jobs=Count("workshop_jobs"), open_jobs=Count("workshop_jobs", filter=~Q(workshop_jobs__status=JobStatus.DONE))
    )
    assert orders.exists()
    for order in orders:
        assert order.jobs and not order.open_jobs, f"{order.number}: {order.open_jobs} of {order.jobs} jobs not done"


def test_ready_orders_passed_their_final_inspection(demo):
    ready = RepairOrder.objects.filter(status=Status.READY)
    assert ready.exists()
    for order in ready:
        assert QualityCheck.objects.latest_for(order).passed


def test_the_workshop_shows_inspections_rework_photos_and_a_finding(demo):
    assert QualityCheck.objects.filter(result="fail").exists() and QualityCheck.objects.filter(result="pass").exists()
    assert Rework.objects.exists()
    photos = list(Photo.objects.all())
    assert len(photos) >= 3
    assert all(photo.image.open("rb").read(8) == b"\x89PNG\r\n\x1a\n" for photo in photos)
    assert Finding.objects.pending().exists()


def test_abc_classes_change_with_a_reason(demo):
    changes = ClassChange.objects.filter(field="abc_class")
    assert changes.count() >= 5
    assert all(change.reason and change.old_value != change.new_value for change in changes)


def test_the_customer_specialist_has_a_day_of_calls(demo):
    queue = followups.followup_tasks_due_for(User.objects.get(username="care"), now=demo)
    today = timezone.localdate(demo)

    assert queue["overdue"], "overdue calls"
    assert [t for t in queue["due"] if timezone.localdate(t.due_at) == today or t.available_at.date() <= today]
    assert queue["upcoming"], "calls coming up"
    assert len(queue["overdue"]) < len(queue["due"]) + len(queue["upcoming"])  # a store that keeps up


def test_escalated_calls_stay_in_the_specialists_queue(demo):
    from aftercare.followups import services

    store = User.objects.get(username="care").memberships.get().store
    with time_machine.travel(demo + timezone.timedelta(hours=3), tick=False):
        services.followups_escalate(store=store)
        queue = followups.followup_tasks_due_for(User.objects.get(username="care"))

    assert queue["overdue"]


def test_every_settled_order_has_its_health_record_and_the_sandbox_rejected_one(demo):
    from aftercare.healthrecords.choices import UploadState
    from aftercare.healthrecords.models import HealthRecord

    settled = RepairOrder.objects.filter(status__in=[Status.SETTLED, Status.DELIVERED])
    assert settled.exists()
    assert not settled.filter(health_record__isnull=True).exists()
    states = dict(HealthRecord.objects.values_list("status").annotate(n=Count("id")))
    assert states[UploadState.REJECTED] == 1 and states[UploadState.SENT] == settled.count() - 1
    month_ago = timezone.localdate(demo) - timezone.timedelta(days=31)
    assert HealthRecord.objects.filter(settle_date__gte=month_ago).count() >= 5


def test_the_rights_desk_shows_an_export_an_erasure_a_withdrawal_and_a_request_near_its_deadline(demo):
    from aftercare.privacy.models import AccessLog, RetentionRun, RightsRequest
    from aftercare.privacy.selectors import working_days_left

    closed = dict(RightsRequest.objects.filter(status="closed").values_list("kind", "outcome"))
    assert set(closed) == {"export", "erasure", "withdrawal"}
    assert closed["erasure"]["kept"] and closed["withdrawal"]["withdrawn"]
    pending = RightsRequest.objects.exclude(status="closed").get()
    assert 0 <= working_days_left(pending) <= 3
    assert AccessLog.objects.exists() and RetentionRun.objects.filter(mode="dry_run").exists()


def test_the_customers_phone_has_an_order_to_approve_with_photos_and_a_booking_to_change(demo):
    from aftercare.portal.choices import Purpose
    from aftercare.portal.models import PortalLink
    from aftercare.service.choices import LineStatus

    shown = [
        link.repair_order.lines.filter(status=LineStatus.PROPOSED)
        for link in PortalLink.objects.filter(purpose=Purpose.APPROVE).select_related("repair_order")
    ]
    assert any(waiting.count() >= 2 and all(line.photos.exists() for line in waiting) for waiting in shown)
    assert PortalLink.objects.filter(purpose=Purpose.BOOK, appointment__isnull=False).exists()


def test_the_customers_phone_has_an_order_to_pay_and_a_history_with_invoices(demo):
    from aftercare.billing.models import InvoiceRequest, ProviderAccount
    from aftercare.billing.selectors import order_balance
    from aftercare.portal.choices import Purpose
    from aftercare.portal.models import PortalLink

    ready = [
        link.repair_order for link in PortalLink.objects.filter(purpose=Purpose.PROGRESS, repair_order__status="ready")
    ]
    assert any(order_balance(order) > 0 for order in ready)
    assert ProviderAccount.objects.filter(sandbox=True, is_active=True).exists()
    history = PortalLink.objects.filter(purpose=Purpose.HISTORY).select_related("customer").first()
    invoices = InvoiceRequest.objects.filter(repair_order__customer=history.customer)
    assert {invoice.status for invoice in invoices} >= {"issued"}
def test_the_retention_engine_shows_recommendations_offers_reminders_and_campaign_satisfaction(demo):
    from aftercare.crm.campaigns import campaign_results
    from aftercare.crm.models import Campaign, CampaignInvitation
    from aftercare.crm.recommendations import for_order

    orders = RepairOrder.objects.filter(status__in=(Status.ESTIMATE, Status.RECEPTION), customer__isnull=False)
    assert any(for_order(order) for order in orders.order_by("pk")[:2])  # an estimate shows recommendations
    running = Campaign.objects.get(name="夏季空调检测")
    assert running.package_offers.filter(package_code="PKG-10K").exists()
    assert CampaignInvitation.objects.filter(campaign=running, reminded_at__isnull=False).exists()
    finished = campaign_results(Campaign.objects.get(name="服务周（已结束）"))
    assert finished["surveys_answered"] > 0 and finished["lines"][3].actual is not None
def test_the_service_desk_has_answers_rescues_an_alert_and_a_recovery_half_done(demo):
    from aftercare.desk.models import FaqEntry, FaqSynonym, MajorEvent, RecoveryCase, RescueRequest

    assert FaqEntry.objects.count() >= 60 and FaqSynonym.objects.exists()
    statuses = set(RescueRequest.objects.values_list("status", flat=True))
    assert {"new", "on_the_way", "done"} <= statuses
    event = MajorEvent.objects.get()
    assert event.notices.exists() and event.care_task_id
    assert RecoveryCase.objects.get().status == "apologised"
