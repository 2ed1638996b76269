"""The supplier screen: the clerk or manager keeps each supplier's order cycle, lead time, safety
stock and closure days, which the reorder formula reads."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from aftercare.parts import services
from aftercare.parts.models import StockItem, Supplier, SupplierClosure

from .conftest import OIL_FILTER

pytestmark = pytest.mark.django_db

TERMS = {
    "name": "博世汽配（广州）", "order_cycle_days": "14", "lead_time_days": "5", "safety_days": "6",
    "regular_weekday": "3", "transport": "物流专线", "follows_official_holidays": "on",
}  # fmt: skip


def test_the_clerk_creates_a_supplier_with_its_terms(client_for, clerk, store):
    response = client_for(clerk).post(reverse("parts:suppliers"), TERMS)
    supplier = Supplier.objects.get(name="博世汽配（广州）")
    assert response.status_code == 302 and response.url == reverse("parts:supplier_edit", args=[supplier.pk])
    assert (supplier.store, supplier.order_cycle_days, supplier.lead_time_days, supplier.safety_days) == (
        store,
        14,
        5,
        6,
    )
    assert (supplier.regular_weekday, supplier.transport, supplier.follows_official_holidays) == (3, "物流专线", True)


@pytest.mark.parametrize(
    "field, value",
    [("name", ""), ("order_cycle_days", "0"), ("order_cycle_days", "91"), ("lead_time_days", "-1"),
     ("safety_days", "abc"), ("regular_weekday", "8"), ("transport", "x" * 51)],
)  # fmt: skip
def test_bad_terms_are_refused_on_their_field_and_nothing_is_saved(client_for, clerk, field, value):
    response = client_for(clerk).post(reverse("parts:suppliers"), {**TERMS, field: value})
    assert response.status_code == 200 and response.context["form"].errors.get(field)
    assert not Supplier.objects.filter(name=TERMS["name"]).exists()


def test_the_service_refuses_terms_out_of_range(store, clerk):
    with pytest.raises(ValidationError) as error:
        services.supplier_save(actor=clerk, store=store, data={"name": "x", "lead_time_days": 999})
    assert "lead_time_days" in error.value.error_dict
    assert not Supplier.objects.exists()


def test_changing_the_terms_makes_the_nightly_job_recompute_its_parts(client_for, manager, stock, supplier):
    item = stock(OIL_FILTER, quantity="2")
    StockItem.objects.filter(pk=item.pk).update(changed_at=timezone.now() - timedelta(days=3))
    response = client_for(manager).post(
        reverse("parts:supplier_edit", args=[supplier.pk]), {**TERMS, "name": supplier.name, "lead_time_days": "10"}
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    item.refresh_from_db()
    assert supplier.lead_time_days == 10 and supplier.order_cycle_days == 14
    assert item.changed_at > timezone.now() - timedelta(minutes=1)


def test_closure_days_are_added_and_removed_and_extend_the_cycle(client_for, clerk, supplier):
    supplier.follows_official_holidays = False
    supplier.save()
    page = client_for(clerk)
    today = timezone.localdate()
    first, last = today + timedelta(days=2), today + timedelta(days=4)
    url = reverse("parts:supplier_closure_add", args=[supplier.pk])
    page.post(url, {"closure-first_day": first.isoformat(), "closure-last_day": last.isoformat()})
    closure = SupplierClosure.objects.get(supplier=supplier)
    assert (closure.first_day, closure.last_day) == (first, last)
    assert services.holiday_extension_days(supplier, today) == 2  # 3 closed days, 2 days before: 2 days added
    assert "closure-list" in page.get(reverse("parts:supplier_edit", args=[supplier.pk])).content.decode()
    page.post(reverse("parts:supplier_closure_remove", args=[supplier.pk, closure.pk]))
    assert not SupplierClosure.objects.exists()
    assert services.holiday_extension_days(supplier, today) == 0


@pytest.mark.parametrize(
    "first, last",
    [(date(2027, 3, 10), date(2027, 3, 9)), (date(2027, 3, 1), date(2027, 6, 1)), (date(2027, 5, 2), date(2027, 5, 3))],
)
def test_a_bad_or_overlapping_closure_is_refused(clerk, supplier, first, last):
    SupplierClosure.objects.create(supplier=supplier, first_day=date(2027, 5, 1), last_day=date(2027, 5, 5))
    with pytest.raises(ValidationError):
        services.supplier_closure_add(actor=clerk, supplier=supplier, first_day=first, last_day=last)
    assert SupplierClosure.objects.count() == 1


def test_another_stores_supplier_is_not_found_and_cannot_be_changed(client_for, staff, other_store, clerk):
    theirs = Supplier.objects.create(store=other_store, name="别店供应商")
    page = client_for(clerk)
    assert page.get(reverse("parts:supplier_edit", args=[theirs.pk])).status_code == 404
    assert page.post(reverse("parts:supplier_edit", args=[theirs.pk]), TERMS).status_code == 404
    with pytest.raises(PermissionDenied):
        services.supplier_save(actor=clerk, store=other_store, supplier=theirs, data={"name": "改名"})
    theirs.refresh_from_db()
    assert theirs.name == "别店供应商"


def test_the_supplier_screen_lists_the_stores_suppliers(client_for, clerk, supplier, other_store, staff):
    Supplier.objects.create(store=other_store, name="别店供应商")
    page = client_for(clerk).get(reverse("parts:suppliers")).content.decode()
    assert supplier.name in page and "别店供应商" not in page


def test_an_advisor_cannot_open_the_supplier_screen(client_for, staff):
    assert client_for(staff["advisor"]).get(reverse("parts:suppliers")).status_code == 403
