import random
from datetime import date

import pytest

from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder
from aftercare.surveys.choices import ResponseStatus
from aftercare.surveys.demo import seed_surveys
from aftercare.surveys.models import SurveyResponse

pytestmark = pytest.mark.django_db


def test_the_demo_answers_most_delivered_orders_and_leaves_one_link_open(staff, store, make_order):
    orders = [make_order(technicians=[staff["technician"]]) for _ in range(10)]
    # The demo's history moves orders straight to delivered; so does this setup.
    RepairOrder.objects.filter(pk__in=[o.pk for o in orders]).update(status=Status.DELIVERED)
    answered = seed_surveys(store, random.Random(7), date.today())
    assert 3 <= answered <= 9
    done = SurveyResponse.objects.filter(status=ResponseStatus.COMPLETED)
    assert done.count() == answered
    assert all(1 <= r.overall_score <= 5 for r in done)
    assert SurveyResponse.objects.filter(status=ResponseStatus.PENDING).count() == 1
    assert done.filter(technicians=staff["technician"]).count() == answered
    seed_surveys(store, random.Random(8), date.today())  # a second run never answers an order twice
    assert SurveyResponse.objects.values("repair_order").distinct().count() == SurveyResponse.objects.count()
