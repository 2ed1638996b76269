"""Retention limits (docs/DOMAIN.md §16.6): dry run, approval, real run, the log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.complaints.models import Complaint
from aftercare.customers.models import Customer
from aftercare.privacy import retention
from aftercare.privacy.choices import RetentionRule, RunMode
from aftercare.privacy.models import AnonymisedCustomer, RetentionAction
from aftercare.privacy.tasks import retention_nightly
from aftercare.service.models import Photo, RepairOrder
from aftercare.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _age(rich, years):
    """Move everything of the rich customer `years` into the past."""
    past = timezone.now() - timedelta(days=365 * years + 30)
    Customer.objects.filter(pk=rich.pk).update(last_visit_at=past, created_at=past)
    RepairOrder.objects.filter(customer=rich).update(created_at=past, opened_at=past)
    Photo.objects.update(taken_at=past)
    rich.consents.update(recorded_at=past)
    Complaint.objects.filter(customer=rich).update(status="closed")


def test_a_dry_run_reports_what_is_due_and_changes_nothing(staff, store, rich):
    _age(rich, 6)
    recent = CustomerFactory(store=store, name="王五", last_visit_at=timezone.now())
    run = retention.retention_run(store_id=store.pk, dry_run=True, actor=staff["service_manager"])
    assert run.mode == RunMode.DRY_RUN
    assert run.counts[RetentionRule.INACTIVE_CUSTOMER]["customers"] == 1
    assert run.counts[RetentionRule.MEDIA]["photos"] == 1
    assert run.counts[RetentionRule.MEDIA]["order_signatures"] == 1
    assert Customer.objects.get(pk=rich.pk).name == "张三" and Photo.objects.exists()
    assert not RetentionAction.objects.exists() and recent.name == "王五"


def test_the_nightly_job_only_reports_until_a_manager_approves_the_first_run(staff, store, rich):
    _age(rich, 6)
    retention_nightly.call()
    assert Customer.objects.get(pk=rich.pk).name == "张三"
    retention.retention_approve(actor=staff["service_manager"], store=store)
    retention_nightly.call()
    rich.refresh_from_db()
    assert rich.name.startswith("已匿名-") and rich.mobile == ""
    assert AnonymisedCustomer.objects.filter(customer=rich, rule=RetentionRule.INACTIVE_CUSTOMER).exists()
    assert not Photo.objects.exists()
    logged = set(RetentionAction.objects.values_list("rule", "what"))
    assert (RetentionRule.INACTIVE_CUSTOMER, "customers") in logged
    # A second night finds nothing left to do.
    before = RetentionAction.objects.count()
    retention_nightly.call()
    assert RetentionAction.objects.count() == before


def test_an_open_complaint_holds_photos_and_the_customer(staff, store, rich):
    _age(rich, 6)
    Complaint.objects.filter(customer=rich).update(status="new")
    with pytest.raises(ValidationError):  # no dry run read yet
        retention.retention_approve(actor=staff["service_manager"], store=store)
    retention.retention_run(store_id=store.pk, dry_run=True)
    retention.retention_approve(actor=staff["service_manager"], store=store)
    run = retention.retention_run(store_id=store.pk, dry_run=False)
    assert run.mode == RunMode.REAL
    assert run.counts[RetentionRule.INACTIVE_CUSTOMER]["customers"] == 0
    assert run.counts[RetentionRule.MEDIA]["photos"] == 0 and Photo.objects.exists()


def test_recent_activity_keeps_a_customer(staff, store, rich):
    _age(rich, 6)
    rich.consents.filter(granted=False).update(recorded_at=timezone.now() - timedelta(days=10))
    run = retention.retention_run(store_id=store.pk, dry_run=True)
    assert run.counts[RetentionRule.INACTIVE_CUSTOMER]["customers"] == 0


def test_old_photos_and_signatures_of_an_active_customer_are_deleted_under_the_media_rule(staff, store, rich):
    _age(rich, 4)  # past the 3-year media limit, within the 5-year customer limit
    retention.retention_run(store_id=store.pk, dry_run=True)
    retention.retention_approve(actor=staff["service_manager"], store=store)
    run = retention.retention_run(store_id=store.pk, dry_run=False)
    assert run.counts[RetentionRule.MEDIA] == {
        "photos": 1,
        "order_signatures": 1,
        "checkin_signatures": 1,
        "delivery_signatures": 0,
    }  # the delivery was signed today
    assert Customer.objects.get(pk=rich.pk).name == "张三" and not Photo.objects.exists()
    assert set(RetentionAction.objects.values_list("what", flat=True)) == {
        "photos",
        "order_signatures",
        "checkin_signatures",
    }
