"""A store's November 2026, made directly with the times each row says (the services stamp now)."""

from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
import time_machine
from django.utils import timezone

# Priced repair orders at the cash desk (the billing tests' fixtures), for the reports' tests.
from aftercare.billing.tests.conftest import catalogue, make_order, signature, vehicle  # noqa: F401
from aftercare.catalog.models import RepairType
from aftercare.complaints.choices import Status as ComplaintStatus
from aftercare.complaints.models import Complaint
from aftercare.complaints.services import complaint_create
from aftercare.crm.choices import Dimension
from aftercare.crm.models import CustomerProfile, SegmentChange
from aftercare.followups.choices import Kind, TaskStatus
from aftercare.followups.models import FollowUpTask
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.surveys import services as surveys
from aftercare.surveys.choices import SurveyKind
from aftercare.tests.factories import CustomerFactory, VehicleFactory

_numbers = count(1)


def at(text: str) -> datetime:
    return timezone.make_aware(datetime.fromisoformat(text))


@pytest.fixture
def make(store, staff, catalogue):  # noqa: F811 (the billing fixture)
    """Builders of the rows behind each KPI, each at the time given."""

    class Make:
        @staticmethod
        def customer(name="王芳"):
            return CustomerFactory(store=store, name=name)

        @staticmethod
        def order(customer, when, *, status=Status.DELIVERED, total="500.00", advisor=None):
            car = customer.vehicles.first() or VehicleFactory(owner=customer, store=store)
            opened = at(when)
            with time_machine.travel(opened, tick=False):
                return RepairOrder.objects.create(
                    store=store, number=f"RO{next(_numbers):07d}", status=status, customer=customer,
                    vehicle=car, advisor=advisor or staff["advisor"],
                    repair_type=RepairType.objects.effective_for_store(store).get(code="periodic"),
                    odometer_km=10_000, opened_at=opened, closed_at=opened, customer_total=Decimal(total),
                    total=Decimal(total),
                )  # fmt: skip

        @staticmethod
        def call(customer, due, *, status=TaskStatus.OPEN, done=None, owner=None, kind=Kind.MAINTENANCE, order=None):
            due_at = at(due)
            return FollowUpTask.objects.create(
                store=store, kind=kind, source_key=f"test:{next(_numbers)}", status=status, customer=customer,
                owner=owner or staff["customer_care"], available_at=due_at - timedelta(days=2), due_at=due_at,
                completed_at=at(done) if done else None, repair_order=order,
            )  # fmt: skip

        @staticmethod
        def survey(customer, when, score):
            with time_machine.travel(at(when), tick=False):
                survey = surveys.survey_for(store=store, kind=SurveyKind.MAINTENANCE)
                answers = {q.pk: score if q.answer_type == "score" else "yes" for q in survey.ordered_questions()}
                return surveys.survey_record_by_staff(
                    actor=staff["customer_care"], store=store, customer=customer, kind=SurveyKind.MAINTENANCE,
                    answers=answers, overall=score,
                )  # fmt: skip

        @staticmethod
        def complaint(customer, when, *, resolved=None, owner=None):
            with time_machine.travel(at(when), tick=False):
                complaint = complaint_create(
                    actor=staff["advisor"], store=store, customer=customer, channel="phone",
                    complaint_type="waiting", description="等待时间过长",
                )  # fmt: skip
            update = {"owner": owner or staff["service_manager"]}
            if resolved:
                update.update(status=ComplaintStatus.RESOLVED, resolved_at=at(resolved))
            Complaint.objects.filter(pk=complaint.pk).update(**update)
            return complaint

        @staticmethod
        def stages(customer, first_visit, *changes):
            """changes: ("2026-08-01", "regular"), ... in order."""
            CustomerProfile.objects.create(customer=customer, store=store, first_visit_at=at(first_visit))
            old = ""
            for when, stage in changes:
                SegmentChange.objects.create(
                    store=store, customer=customer, dimension=Dimension.STAGE, old_value=old, new_value=stage,
                    reason="test", changed_at=at(when),
                )  # fmt: skip
                old = stage

    return Make
