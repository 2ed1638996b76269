import random
from datetime import date

import time_machine

from aftercare.followups.demo import seed_followups
from aftercare.followups.models import FollowUpProblem, FollowUpTask

from .conftest import aware


def test_the_demo_generates_calls_and_records_some_outcomes_with_one_problem(delivered, store):
    for day in range(1, 8):
        delivered(aware(2026, 3, day, 16, 0), repair_type="periodic" if day % 2 else "general")

    with time_machine.travel(aware(2026, 3, 20, 10, 0), tick=False):
        count = seed_followups(store, random.Random(7), date(2026, 3, 20))
        again = seed_followups(store, random.Random(7), date(2026, 3, 20))

    assert count == 7 and again == 7
    assert FollowUpTask.objects.filter(status="done").count() >= 4
    assert FollowUpProblem.objects.count() == 1
