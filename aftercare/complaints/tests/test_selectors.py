"""complaint_kpis on a hand-built set, and who may list which complaints."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from aftercare.complaints import selectors, services
from aftercare.complaints.choices import Status
from aftercare.tests.factories import CustomerFactory

from .conftest import T0

pytestmark = pytest.mark.django_db


@pytest.fixture
def hand_built(make_complaint, staff):
    """Five complaints received on T0's day, one the day before:

    a: contacted in 30 min, resolved in 1 day, told in 2 h, closed 5/5
    b: contacted after 2 h (late), resolved after 4 days (late), told after 30 h (late), closed 2/5
    c: contacted in 10 min, still in plan
    d: never contacted (its contact clock is past due, its answer clock still running)
    e: contacted in 20 min, resolved in 2 days, not told yet (inform clock running)
    z: the day before, outside the period
    """
    manager = staff["service_manager"]
    made = {}

    def step(complaint, to, **kw):
        if to == Status.PLAN:
            plan = {"resolution_plan": "方案", "plan_due_at": T0 + timedelta(days=5)}
            services.complaint_update(actor=manager, complaint=complaint, data=plan)
        if to == Status.RESOLVED:
            return services.complaint_resolve(actor=manager, complaint=complaint, result="已处理")
        if to == Status.CLOSED:
            return services.complaint_close(actor=manager, complaint=complaint, **kw)
        return services.complaint_transition(actor=manager, complaint=complaint, to=to)

    with time_machine.travel(T0 - timedelta(days=1), tick=False):
        made["z"] = make_complaint()
    with time_machine.travel(T0, tick=False) as clock:
        for name in "abcde":
            made[name] = make_complaint()

        def at(delta):
            clock.move_to(T0 + delta)

        at(timedelta(minutes=10))
        made["c"] = step(made["c"], Status.CONTACTED)
        made["c"] = step(made["c"], Status.PLAN)
        at(timedelta(minutes=20))
        made["e"] = step(made["e"], Status.CONTACTED)
        made["e"] = step(made["e"], Status.PLAN)
        at(timedelta(minutes=30))
        made["a"] = step(made["a"], Status.CONTACTED)
        made["a"] = step(made["a"], Status.PLAN)
        at(timedelta(hours=2))
        made["b"] = step(made["b"], Status.CONTACTED)
        made["b"] = step(made["b"], Status.PLAN)
        at(timedelta(days=1))
        made["a"] = step(made["a"], Status.RESOLVED)
        at(timedelta(days=1, hours=2))
        made["a"] = step(made["a"], Status.INFORMED)
        made["a"] = step(made["a"], Status.CLOSED, satisfaction=5)
        at(timedelta(days=2))
        made["e"] = step(made["e"], Status.RESOLVED)
        at(timedelta(days=4))
        made["b"] = step(made["b"], Status.RESOLVED)
        at(timedelta(days=5, hours=6))
        made["b"] = step(made["b"], Status.INFORMED)
        made["b"] = step(made["b"], Status.CLOSED, satisfaction=2)
    return made


def test_complaint_kpis_follow_the_formulas(hand_built, store):
    made = hand_built
    kpis = selectors.complaint_kpis(
        store_ids=[store.pk], start=T0.replace(hour=0), end=T0.replace(hour=0) + timedelta(days=1),
        now=T0 + timedelta(days=2, hours=12),
    )  # fmt: skip
    assert kpis["total"] == 5
    assert kpis["resolved"] == 3  # a, b, e
    assert kpis["resolution_rate"] == Decimal("0.6000")
    # contact: decided a, b, c, e (done) + d (past due) = 5; on time a, c, e = 3
    assert kpis["contact_on_time_rate"] == Decimal("0.6000")
    # answer (3 days): decided a, b, e (resolved); c and d still within 3 days at `now`; on time a, e
    assert kpis["answer_on_time_rate"] == Decimal("0.6667")
    # inform: decided a, b (told); e is still within its 24 h at `now` ... told on time: a
    assert kpis["inform_on_time_rate"] == Decimal("0.5000")
    # still unhappy: not resolved (c, d) or closed with 1-2 (b) — all of the one customer, listed once
    assert kpis["open_dissatisfied_customer_ids"] == [made["b"].customer_id]


def test_rates_are_none_without_complaints(store):
    kpis = selectors.complaint_kpis(store_ids=[store.pk], start=T0, end=T0 + timedelta(days=1))
    assert kpis["total"] == 0
    assert kpis["resolution_rate"] is None and kpis["contact_on_time_rate"] is None
    assert kpis["open_dissatisfied_customer_ids"] == []


def test_kpis_add_up_over_customers_and_list_each_unhappy_customer_once(make_complaint, store, staff):
    """Four customers: happy (closed 5/5), unhappy twice (one untouched, one closed 1/5),
    answered (resolved, not told yet) and waiting (contacted late, nothing more)."""
    manager = staff["service_manager"]
    happy, twice, answered, waiting = (CustomerFactory(store=store) for _ in range(4))
    with time_machine.travel(T0, tick=False) as clock:
        made = {
            name: make_complaint(customer=customer, vehicle=None)
            for name, customer in (("a", happy), ("b1", twice), ("b2", twice), ("c", answered), ("d", waiting))
        }
        clock.move_to(T0 + timedelta(minutes=30))  # within the 1 h contact clock
        for name in ("a", "b2", "c"):
            made[name] = services.complaint_transition(actor=manager, complaint=made[name], to=Status.CONTACTED)
            plan = {"resolution_plan": "方案", "plan_due_at": T0 + timedelta(days=5)}
            made[name] = services.complaint_update(actor=manager, complaint=made[name], data=plan)
            made[name] = services.complaint_transition(actor=manager, complaint=made[name], to=Status.PLAN)
        clock.move_to(T0 + timedelta(hours=3))
        made["d"] = services.complaint_transition(actor=manager, complaint=made["d"], to=Status.CONTACTED)
        clock.move_to(T0 + timedelta(days=1))  # within the 3 days
        for name in ("a", "b2", "c"):
            made[name] = services.complaint_resolve(actor=manager, complaint=made[name], result="已处理")
        clock.move_to(T0 + timedelta(days=1, hours=1))  # within 24 h of the answer
        for name, score in (("a", 5), ("b2", 1)):
            made[name] = services.complaint_transition(actor=manager, complaint=made[name], to=Status.INFORMED)
            services.complaint_close(actor=manager, complaint=made[name], satisfaction=score)

    kpis = selectors.complaint_kpis(
        store_ids=[store.pk], start=T0, end=T0 + timedelta(days=1), now=T0 + timedelta(days=1, hours=12)
    )

    assert (kpis["total"], kpis["resolved"]) == (5, 3)  # a, b2, c
    assert kpis["resolution_rate"] == Decimal("0.6000")
    assert kpis["contact_on_time_rate"] == Decimal("0.6000")  # decided: a b2 c d, b1 past due; on time: a b2 c
    assert kpis["answer_on_time_rate"] == Decimal("1.0000")  # decided and on time: a b2 c; b1, d still running
    assert kpis["inform_on_time_rate"] == Decimal("1.0000")  # a, b2 told in time; c still within its 24 h
    # Unhappy: b1 (not resolved) and b2 (closed 1/5) of one customer, d (not resolved); c is resolved.
    assert kpis["open_dissatisfied_customer_ids"] == sorted([twice.pk, waiting.pk])


def test_complaint_kpis_take_one_query(make_complaint, store, django_assert_num_queries):
    with time_machine.travel(T0, tick=False):
        make_complaint()
        make_complaint(customer=CustomerFactory(store=store), vehicle=None)
    with django_assert_num_queries(1):
        selectors.complaint_kpis(store_ids=[store.pk], start=T0, end=T0 + timedelta(days=1))


def test_kpis_count_only_the_stores_asked_for(make_complaint, other_store, staff):
    from aftercare.tests.factories import MembershipFactory

    MembershipFactory(user=staff["advisor"], store=other_store, role="advisor")
    staff["advisor"].forget_memberships()
    with time_machine.travel(T0, tick=False):
        make_complaint()
        services.complaint_create(
            actor=staff["advisor"], store=other_store, customer=CustomerFactory(store=other_store),
            channel="web", complaint_type="price", description="贵",
        )  # fmt: skip
    kpis = selectors.complaint_kpis(store_ids=[other_store.pk], start=T0, end=T0 + timedelta(hours=1))
    assert kpis["total"] == 1


def test_the_front_desk_lists_only_what_it_recorded_and_the_manager_everything(make_complaint, staff):
    mine = make_complaint(actor=staff["cashier"])
    theirs = make_complaint(actor=staff["advisor"])
    assert list(selectors.complaints_visible_to(staff["cashier"])) == [mine]
    assert set(selectors.complaints_visible_to(staff["service_manager"])) == {mine, theirs}
    assert list(selectors.complaints_visible_to(staff["technician"])) == []
