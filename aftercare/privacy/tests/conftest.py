"""A customer with every kind of personal data the export and erasure cover."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from aftercare.billing.models import Delivery
from aftercare.billing.selectors import order_balance
from aftercare.billing.services import payment_post
from aftercare.billing.tests.conftest import catalogue, make_order, vehicle  # noqa: F401 - fixtures
from aftercare.complaints.services import complaint_create
from aftercare.customers.services import consent_record
from aftercare.followups.services import followup_create
from aftercare.loyalty.services import member_card_issue, stored_value_top_up
from aftercare.messaging.models import Message
from aftercare.service.models import CheckIn, Photo, RepairOrder
from aftercare.surveys.services import survey_for, survey_record_by_staff

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SIGNATURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk" + "A" * 20


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def rich(staff, store, vehicle, make_order):  # noqa: F811
    """The customer 张三 (粤A12345) with an order and its lines, a payment, a photo and
    signatures, a member card with a top-up, consents granted then withdrawn, a
    follow-up, a complaint and a survey."""
    customer = vehicle.owner
    customer.mobile, customer.address = "13912345678", "广州市天河区体育西路1号"
    customer.save()
    order = make_order()
    balance = order_balance(order)
    payment_post(actor=staff["cashier"], order=order, method="cash", amount=balance, idempotency_key="rich-1")
    RepairOrder.objects.filter(pk=order.pk).update(authorisation_signature=SIGNATURE)
    CheckIn.objects.update_or_create(repair_order=order, defaults={"customer_signature": SIGNATURE})
    Delivery.objects.create(store=store, repair_order=order, signature=SIGNATURE, delivered_by=staff["cashier"])
    Photo.objects.create(repair_order=order, image=ContentFile(PNG, name="dent.png"), caption="左前门划痕")
    card = member_card_issue(actor=staff["cashier"], customer=customer, number="VIP0001")
    stored_value_top_up(actor=staff["cashier"], card=card, store=store, amount="500", method="cash")
    consent_record(actor=staff["advisor"], customer=customer, purpose="marketing_sms", granted=True, channel="paper")
    consent_record(actor=staff["advisor"], customer=customer, purpose="marketing_sms", granted=False, channel="phone")
    followup_create(store=store, customer=customer, kind="maintenance", due_at=timezone.now() + timedelta(days=1),
                    source_key="rich", vehicle=vehicle)  # fmt: skip
    complaint_create(actor=staff["advisor"], store=store, customer=customer, vehicle=vehicle, channel="phone",
                     complaint_type="waiting", description="等待时间过长", customer_words="等了三个小时")  # fmt: skip
    survey = survey_for(store=store, kind="maintenance")
    answers = {q.pk: 5 if q.answer_type == "score" else ("yes" if q.answer_type == "yes_no" else "准时")
               for q in survey.ordered_questions()}  # fmt: skip
    survey_record_by_staff(actor=staff["customer_care"], store=store, customer=customer, kind="maintenance",
                           answers=answers, repair_order=order, overall=5, comment="张先生很满意")  # fmt: skip
    Message.objects.create(store=store, customer=customer, vehicle=vehicle, purpose="service", channel="sms",
                           template_code="car_ready", text="张先生，您的爱车已完工", to=customer.mobile,
                           dedupe_key=f"car_ready:{order.pk}")  # fmt: skip
    return customer
