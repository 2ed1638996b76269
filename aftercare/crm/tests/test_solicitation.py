"""The seed's solicitation timetable (docs/DOMAIN.md §11.5)."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError

from aftercare.crm.choices import Outcome
from aftercare.crm.models import SolicitationEntry
from aftercare.crm.segments import segments_refresh
from aftercare.crm.solicitation import missed_reasons, solicitation_outcome, solicitation_timetable
from aftercare.followups.models import FollowUpTask
from aftercare.messaging.models import Message
from aftercare.tests.factories import CustomerFactory, VehicleFactory

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def due_car(store):
    """Last maintained 10 January: due 10 July by the calendar."""
    owner = CustomerFactory(store=store, name="周杰", preferred_channel="sms")
    vehicle = VehicleFactory(owner=owner, last_service_at=date(2026, 1, 10), maintenance_months=6)
    with time_machine.travel(at("2026-06-01 05:00"), tick=False):
        segments_refresh(store=store)
    return vehicle


def _night(store, day):
    with time_machine.travel(at(f"{day} 06:30"), tick=False):
        return solicitation_timetable(store=store, today=date.fromisoformat(day))


def test_listed_in_week_one_invited_in_week_two_called_in_week_three_each_once(store, due_car):
    assert _night(store, "2026-06-01") == {"listed": 1}
    assert _night(store, "2026-06-07") == {"listed": 0}
    assert _night(store, "2026-06-08") == {"listed": 0, "invited": 1}
    message = Message.objects.get(vehicle=due_car)
    assert message.template_code == "crm_solicitation" and message.purpose == "service"
    assert _night(store, "2026-06-15") == {"listed": 0, "invited": 0, "called": 1}
    assert _night(store, "2026-06-16") == {"listed": 0, "invited": 0, "called": 0}
    task = FollowUpTask.objects.get(vehicle=due_car)
    assert task.owner_role == "customer_care" and "2026-07-10" in task.note
    assert SolicitationEntry.objects.get().month == date(2026, 7, 1)


def test_a_sold_car_is_archived_and_a_declined_call_needs_a_reason(store, staff, due_car):
    _night(store, "2026-06-01")
    entry = SolicitationEntry.objects.get()
    with pytest.raises(ValidationError):
        solicitation_outcome(actor=staff["customer_care"], entry=entry, outcome=Outcome.DECLINED)
    solicitation_outcome(actor=staff["customer_care"], entry=entry, outcome=Outcome.SOLD)
    due_car.refresh_from_db()
    assert not due_car.is_active


def test_the_missed_reasons_report_counts_each_reason_per_month(store, staff, due_car):
    _night(store, "2026-06-01")
    entry = SolicitationEntry.objects.get()
    solicitation_outcome(actor=staff["customer_care"], entry=entry, outcome=Outcome.DECLINED, reason="price")
    rows = missed_reasons(user=staff["service_manager"], today=date(2026, 7, 15))
    assert rows == [{"month": date(2026, 7, 1), "outcome": "declined", "decline_reason": "price", "count": 1}]


def test_the_care_specialist_records_a_declined_call_on_the_list_page(store, staff, due_car, client_for):
    _night(store, "2026-06-01")
    entry = SolicitationEntry.objects.get()
    client = client_for(staff["customer_care"])
    page = client.get("/crm/solicitation/?month=2026-07-01")
    assert page.status_code == 200 and due_car.plate in page.content.decode()
    client.post(f"/crm/solicitation/{entry.pk}/outcome/", {"outcome": "declined", "reason": "distance"})
    entry.refresh_from_db()
    assert (entry.outcome, entry.decline_reason) == ("declined", "distance")
    drill = client.get("/crm/solicitation/?month=2026-07-01&outcome=declined&reason=distance")
    assert due_car.plate in drill.content.decode()


def test_a_car_without_its_own_cycle_or_mileage_is_due_at_first_visit_plus_every_three_months(store, visit):
    """No maintenance and no purchase date on file, no readings: the store's first cycle
    (first visit 20 January + every 3 months: 20 April, 20 July) puts it on July's list."""
    from aftercare.crm.models import VehicleForecast

    owner = CustomerFactory(store=store, name="吴磊", preferred_channel="sms")
    vehicle = VehicleFactory(owner=owner, purchase_date=None, last_service_at=None, last_service_km=None)
    visit(owner, "2026-01-20 10:00", vehicle=vehicle)
    with time_machine.travel(at("2026-06-01 05:00"), tick=False):
        segments_refresh(store=store)
    forecast = VehicleForecast.objects.get(vehicle=vehicle)
    assert forecast.due_on == date(2026, 7, 20) and "2026-01-20" in forecast.basis
    assert _night(store, "2026-06-01") == {"listed": 1}
    assert _night(store, "2026-06-08") == {"listed": 0, "invited": 1}
    assert _night(store, "2026-06-15") == {"listed": 0, "invited": 0, "called": 1}
    assert "2026-07-20" in FollowUpTask.objects.get(vehicle=vehicle).note


def test_the_first_cycle_is_a_store_setting(store, visit):
    from aftercare.crm.mileage import first_cycle_day
    from aftercare.crm.models import CrmSettings, VehicleForecast

    settings = CrmSettings.for_store(store)
    settings.first_cycle_months = 4
    settings.save()
    owner = CustomerFactory(store=store)
    vehicle = VehicleFactory(owner=owner, purchase_date=None, last_service_at=None, last_service_km=None)
    visit(owner, "2026-01-20 10:00", vehicle=vehicle)
    with time_machine.travel(at("2026-06-01 05:00"), tick=False):
        segments_refresh(store=store)
    assert VehicleForecast.objects.get(vehicle=vehicle).due_on == date(2026, 9, 20)
    assert _night(store, "2026-06-01") == {"listed": 0}
    assert first_cycle_day(date(2026, 1, 31), today=date(2026, 2, 1), months=1) == date(2026, 2, 28)
