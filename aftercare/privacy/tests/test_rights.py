"""The rights desk (docs/DOMAIN.md §16.5): deadlines, the workflow, the export, erasure."""

import csv
import io
import json
import zipfile
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from aftercare.billing.models import Payment
from aftercare.core.workflow import TransitionRefused
from aftercare.customers.exports import export_list
from aftercare.customers.models import Customer, SearchKey
from aftercare.customers.search import search
from aftercare.customers.selectors import current_consents
from aftercare.customers.services import consent_record
from aftercare.privacy import services
from aftercare.privacy.choices import RequestStatus
from aftercare.privacy.export import build_zip
from aftercare.privacy.models import AnonymisedCustomer
from aftercare.privacy.registry import sections
from aftercare.privacy.workdays import add_working_days
from aftercare.service.models import CheckIn, Photo, RepairOrder

pytestmark = pytest.mark.django_db


def _started(staff, store, customer, kind):
    manager = staff["service_manager"]
    request = services.request_create(actor=manager, store=store, customer=customer, kind=kind, channel="counter")
    services.request_check_identity(actor=manager, request=request, identity_check="id_card")
    return services.request_start(actor=manager, request=request)


def test_the_deadline_skips_the_national_day_holiday_and_counts_its_make_up_saturday():
    # 2026: 1-7 October off, Sunday 27 September and Saturday 10 October worked.
    assert add_working_days(date(2026, 9, 28), 15) == date(2026, 10, 23)


def test_beyond_the_calendar_s_data_the_deadline_counts_monday_to_friday():
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 3, 5), 1) == date(2027, 3, 8)


def test_a_request_is_logged_with_its_deadline_and_history(staff, store, vehicle):
    with time_machine.travel(datetime(2026, 9, 28, 10, tzinfo=timezone.get_current_timezone()), tick=False):
        request = services.request_create(
            actor=staff["customer_care"], store=store, customer=vehicle.owner, kind="export", channel="phone"
        )
    assert request.number.startswith("PI") and request.due_on == date(2026, 10, 23)
    assert list(request.history.values_list("to_status", flat=True)) == [RequestStatus.RECEIVED]


def test_handling_waits_for_the_identity_check_and_closing_for_a_reply(staff, store, vehicle):
    manager = staff["service_manager"]
    request = services.request_create(
        actor=manager, store=store, customer=vehicle.owner, kind="export", channel="phone"
    )
    with pytest.raises(TransitionRefused):
        services.request_start(actor=manager, request=request)
    with pytest.raises(TransitionRefused):
        services.request_close(actor=manager, request=request, reply="  ")
    closed = services.request_close(actor=manager, request=request, reply="身份无法核实，请携带身份证到店办理。")
    assert closed.status == RequestStatus.CLOSED and closed.closed_at is not None


def test_the_export_holds_every_section_for_a_customer_with_every_kind_of_data(rich):
    archive = zipfile.ZipFile(io.BytesIO(build_zip(rich, request_number="PI000001")))
    names = set(archive.namelist())
    data = json.loads(archive.read("data.json"))
    assert set(data) == {section.key for section in sections()}
    required = ("profile", "vehicles", "orders", "order_lines", "payments", "member_cards", "loyalty_ledger",
                "consents", "messages", "followups", "complaints", "surveys", "survey_answers", "photos")  # fmt: skip
    assert [key for key in required if not data[key]] == []
    assert {f"csv/{section.key}.csv" for section in sections()} <= names
    assert data["profile"][0]["mobile"] == "13912345678"
    assert [c["granted"] for c in data["consents"]] == [True, False]
    assert data["orders"][0]["authorisation_signature"] is True  # said, not copied
    rows = list(csv.DictReader(io.StringIO(archive.read("csv/payments.csv").decode("utf-8-sig"))))
    assert len(rows) == 1
    assert any(name.startswith("photos/") for name in names)
    summary = archive.read("summary.html").decode()
    assert "张三" in summary and "粤A12345" in summary


def _found(user, text, customer) -> bool:
    return any(line.customer_id == customer.pk for line in search(user, text))


def test_erasure_removes_the_person_from_every_search_key_and_export_and_keeps_legal_records(
    staff, store, rich, settings
):
    manager = staff["service_manager"]
    payments = Payment.objects.count()
    photo = Photo.objects.get()
    keys = ("张三", "张", "13912345678", "5678", "zhangsan", "zhang", "zs", "粤A12345", "A12345", "123", "45")
    assert all(_found(manager, text, rich) for text in keys)
    request = _started(staff, store, rich, "erasure")
    request = services.request_erase(actor=manager, request=request)

    assert [text for text in keys if _found(manager, text, rich)] == []
    assert not SearchKey.objects.filter(customer=rich).exists()
    assert not SearchKey.objects.filter(vehicle__owner=rich).exists()
    erased = Customer.objects.get(pk=rich.pk)
    assert (erased.mobile, erased.mobile_rev, erased.name_pinyin, erased.name_initials, erased.address) == ("",) * 5
    assert erased.name == f"已匿名-{erased.number}"
    assert AnonymisedCustomer.objects.filter(customer=rich, request=request).exists()

    # Photos and signatures gone; money records kept, pseudonymised, with the reason.
    assert not Photo.objects.exists() and not photo.image.storage.exists(photo.image.name)
    assert RepairOrder.objects.get().authorisation_signature == ""
    assert CheckIn.objects.get().customer_signature == ""
    assert Payment.objects.count() == payments
    kept = {k["key"]: k for k in request.outcome["kept"]}
    assert {"payments", "repair_orders", "loyalty_ledger"} <= set(kept)
    assert "30" in kept["payments"]["reason"]

    # Neither the customer list export nor the rights export still holds the person.
    response = export_list(user=manager, kind="customers", fmt="csv")
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "张三" not in exported and "13912345678" not in exported
    archive = zipfile.ZipFile(io.BytesIO(build_zip(erased)))
    text = "".join(archive.read(name).decode("utf-8", "ignore") for name in archive.namelist())
    assert "张三" not in text and "13912345678" not in text and "粤A12345" not in text and "等了三个小时" not in text


def test_withdrawal_takes_effect_at_once_through_the_consent_service(staff, store, vehicle):
    customer = vehicle.owner
    consent_record(actor=staff["advisor"], customer=customer, purpose="marketing_wechat", granted=True, channel="paper")
    request = _started(staff, store, customer, "withdrawal")
    services.request_withdraw(actor=staff["service_manager"], request=request, purposes=["marketing_wechat"],
                              via="phone")  # fmt: skip
    assert current_consents(customer)["marketing_wechat"].granted is False
    with pytest.raises(ValidationError):
        services.request_withdraw(actor=staff["service_manager"], request=request, purposes=["nonsense"], via="phone")


def test_the_customer_s_link_downloads_until_it_expires_and_no_email_is_sent(client, staff, store, rich):
    request = _started(staff, store, rich, "export")
    token = services.request_prepare_export(actor=staff["service_manager"], request=request)
    response = client.get(f"/privacy/d/{token}/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert client.get(f"/privacy/d/{token}x/").status_code == 410
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert client.get(f"/privacy/d/{token}/").status_code == 410
    assert mail.outbox == []


def test_warranty_claims_and_health_records_are_kept_after_an_erasure_with_their_reason(rich):
    from datetime import date

    from aftercare.healthrecords.models import HealthRecord
    from aftercare.privacy.registry import kept_rules

    order = RepairOrder.objects.get(customer=rich)
    HealthRecord.objects.get_or_create(
        repair_order=order,
        defaults={"store": order.store, "vehicle": order.vehicle, "company_name": "天河店", "vin": order.vehicle.vin,
                  "repair_date": date(2026, 11, 2), "settle_date": date(2026, 11, 3), "settle_number": order.number},
    )  # fmt: skip
    rules = {rule.key: rule for rule in kept_rules()}

    assert "汽车维修电子健康档案" in str(rules["health_records"].reason)
    assert (rules["health_records"].count([rich.pk]), rules["warranty_claims"].count([rich.pk])) == (1, 0)
