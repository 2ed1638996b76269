"""The uploader against the local fake platform: accepted, rejected with a reason,
a failure retried, and a resend after correction (docs/DOMAIN.md §23.4)."""

import pytest

from aftercare.core.background import policy_for
from aftercare.healthrecords.choices import UploadState
from aftercare.healthrecords.models import HealthRecord, HealthRecordStatusChange
from aftercare.healthrecords.services import (
    UploadFailed,
    health_record_correct,
    health_record_resend,
    health_record_upload,
    platform_payload,
    upload_pending,
)

pytestmark = pytest.mark.django_db


def test_a_settled_order_is_uploaded_and_the_platform_accepts_it(connected, platform, ready_order, settle):
    record = settle(ready_order)

    record.refresh_from_db()
    assert record.status == UploadState.SENT
    assert record.sent_at is not None and record.attempts == 1
    [payload] = platform.received
    assert payload["companycode"] == "440106000123"
    assert payload["costlistcode"] == ready_order.number
    assert payload["repairmileage"] == "20000"
    assert payload["partslist"][0]["partsquantity"] == "1"


def test_an_answered_record_is_not_sent_twice(connected, platform, ready_order, settle):
    record = settle(ready_order)
    assert health_record_upload(record_id=record.pk) == UploadState.SENT
    assert len(platform.received) == 1


def test_a_rejection_keeps_the_platforms_reason_and_a_correction_resends_it(
    connected, platform, ready_order, settle, staff, django_capture_on_commit_callbacks
):
    platform.reject[ready_order.number] = "送修里程与上次记录矛盾"
    record = settle(ready_order)
    record.refresh_from_db()
    assert record.status == UploadState.REJECTED
    assert record.reject_reason == "送修里程与上次记录矛盾"

    platform.reject.clear()
    with django_capture_on_commit_callbacks(execute=True):
        health_record_correct(actor=staff["advisor"], record=record, repair_mileage=21000)

    record.refresh_from_db()
    assert record.status == UploadState.RESENT
    assert record.reject_reason == ""
    assert platform.received[-1]["repairmileage"] == "21000"
    history = list(HealthRecordStatusChange.objects.filter(record=record).values_list("to_status", "note"))
    assert [state for state, _ in history] == ["pending", "rejected", "pending", "resent"]
    assert history[1][1] == "送修里程与上次记录矛盾"


def test_a_failure_is_recorded_and_raised_so_the_task_retries_with_backoff(connected, platform, ready_order, settle):
    platform.fail = True
    record = settle(ready_order)  # the immediate task ran once and failed
    record.refresh_from_db()
    assert record.status == UploadState.PENDING
    assert "503" in record.last_error and record.attempts == 1

    with pytest.raises(UploadFailed):
        health_record_upload(record_id=record.pk)
    policy = policy_for("aftercare.healthrecords.tasks.upload_health_record")
    assert policy.idempotent and policy.retries == 5
    assert policy.delay(2) == 2 * policy.delay(1)

    platform.fail = False
    assert upload_pending() == 1
    record.refresh_from_db()
    assert record.status == UploadState.SENT and record.last_error == ""


def test_an_unreachable_platform_is_a_failure_not_a_rejection(connected, ready_order, settle, platform):
    connected.endpoint_url = "http://127.0.0.1:9/nothing"
    connected.save()
    record = settle(ready_order)
    record.refresh_from_db()
    assert record.status == UploadState.PENDING and record.last_error


def test_resending_a_sent_record_marks_it_resent(connected, platform, ready_order, settle, staff,
                                                 django_capture_on_commit_callbacks):  # fmt: skip
    record = settle(ready_order)
    with django_capture_on_commit_callbacks(execute=True):
        health_record_resend(actor=staff["advisor"], record=record)
    record.refresh_from_db()
    assert record.status == UploadState.RESENT
    assert len(platform.received) == 2


def test_a_wrong_secret_is_refused_by_the_platform_as_a_rejection(connected, platform, ready_order, settle):
    connected.app_secret = "wrong"
    connected.save()
    record = settle(ready_order)
    record.refresh_from_db()
    assert record.status == UploadState.REJECTED and record.reject_reason == "签名错误"


def test_the_sandbox_answers_deterministically_without_the_network(store, ready_order, settle):
    from aftercare.healthrecords.models import HealthRecordSettings

    HealthRecordSettings.objects.create(store=store, upload_enabled=True, sandbox=True)
    record = settle(ready_order)
    record.refresh_from_db()
    assert record.status == UploadState.SENT
    HealthRecord.objects.filter(pk=record.pk).update(status=UploadState.PENDING, fault_description="异响")
    assert health_record_upload(record_id=record.pk) == UploadState.REJECTED


def test_a_store_not_connected_keeps_its_records_pending(ready_order, settle, platform):
    record = settle(ready_order)
    assert health_record_upload(record_id=record.pk) == UploadState.PENDING
    assert platform.received == []
    assert platform_payload(record)["vin"] == record.vin
