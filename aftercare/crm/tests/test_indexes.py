"""The insurance, inspection and birthday rules read through their indexes
(docs/DOMAIN.md §11.2): PostgreSQL's plan names them (the sequential scan switched
off, since a test's few rows would be scanned whole anyway). The tables are analysed first:
the row counts PostgreSQL keeps outside the transaction may still be those of an earlier
test's rolled-back demo, and would steer the plan to another index."""

from datetime import date

import pytest
from django.db import connection

from aftercare.crm.rules import birthdays_on, vehicles_date_due
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the plans are PostgreSQL's"),
]


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {queryset.model._meta.db_table}")
        cursor.execute("SET LOCAL enable_seqscan = off")
    return queryset.explain()


def test_the_insurance_and_inspection_reminders_read_their_partial_indexes(store):
    for n in range(20):
        VehicleFactory(owner=CustomerFactory(store=store), insurance_expiry=date(2026, 1, 1 + n),
                       inspection_due=date(2026, 2, 1 + n))  # fmt: skip
    today = date(2026, 1, 5)
    assert "vehicle_insurance_due" in _plan(vehicles_date_due(store, 7, today, "insurance_expiry"))
    assert "vehicle_inspection_due" in _plan(vehicles_date_due(store, 7, today, "inspection_due"))


def test_the_birthday_rule_reads_the_expression_index_even_on_the_28th_of_february(store):
    for n in range(20):
        CustomerFactory(store=store, birthday=date(1980 + n, 2, 28 if n % 2 else 1))
    assert "customer_birthday" in _plan(birthdays_on(store, date(2026, 3, 1)))
    assert "customer_birthday" in _plan(birthdays_on(store, date(2027, 2, 28)))
    assert birthdays_on(store, date(2027, 2, 28)).count() == 10
