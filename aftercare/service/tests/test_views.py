"""The repair order pages: reception, the advisor's workspace, check-in, print, list, progress."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from aftercare.catalog.models import Bay, LabourOperation, OtherCharge, Part, RepairType
from aftercare.service import services
from aftercare.service.choices import RO_CHANGED, LineStatus, Status
from aftercare.service.models import CheckIn, Photo, RepairOrder, RepairOrderLine
from aftercare.tests.factories import CustomerFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

SIGNATURE = "data:image/png;base64,iVBORw0KGgo="
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def catalogue(store):
    catalog_for(store)


@pytest.fixture
def vehicle(store, catalogue):
    return VehicleFactory(
        owner=CustomerFactory(store=store, name="张三", mobile="13800001234"), plate="粤A12345", odometer_km=18000
    )


@pytest.fixture
def order(staff, store, vehicle):
    return services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=vehicle, customer_statement="刹车有异响", odometer_km=20000
    )


@pytest.fixture
def advisor(staff, client_for):
    return client_for(staff["advisor"])


def _op(store, code="M001"):
    return LabourOperation.objects.effective_for_store(store).get(code=code)


def _with_lines(staff, store, order, n):
    charge = OtherCharge.objects.effective_for_store(store).first()
    for _ in range(n):
        services.line_add(actor=staff["advisor"], order=order, other_charge=charge, confirm_duplicate=True)
    return order


def _estimate(staff, store, order):
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    return services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])


def _other_store_order(other_store, catalogue):
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    catalog_for(other_store)
    someone = UserFactory(username="py-advisor")
    MembershipFactory(user=someone, store=other_store, role=Role.ADVISOR)
    car = VehicleFactory(owner=CustomerFactory(store=other_store))
    return services.repair_order_open(actor=someone, store=other_store, vehicle=car)


# --- reception --------------------------------------------------------------------------------


def test_the_advisor_receives_a_car_and_lands_on_the_walk_around(advisor, store, vehicle):
    general = RepairType.objects.effective_for_store(store).get(code="general")
    response = advisor.post(
        reverse("service:reception", args=[vehicle.pk]),
        {"repair_type": general.pk, "odometer_km": 21000, "fuel_level": 40, "contact_phone": "13900001111",
         "address": "广州市天河区体育西路 1 号", "customer_statement": "冷车启动时有异响", "findings": "",
         "promised_at": "2026-03-01T17:30", "waiting_mode": "leaves", "return_old_parts": "on"},
    )  # fmt: skip
    order = RepairOrder.objects.get(vehicle=vehicle)
    assert response.status_code == 302 and response["Location"] == reverse("service:check_in", args=[order.pk])
    vehicle.refresh_from_db()
    vehicle.owner.refresh_from_db()
    assert (order.odometer_km, order.fuel_level, order.waiting_mode, order.return_old_parts) == (
        21000,
        40,
        "leaves",
        True,
    )
    assert order.contact_phone == "13900001111" and order.customer_statement == "冷车启动时有异响"
    assert vehicle.odometer_km == 21000
    assert vehicle.owner.address == "广州市天河区体育西路 1 号"


def test_a_reception_form_with_errors_is_shown_again_not_a_500(advisor, vehicle):
    response = advisor.post(
        reverse("service:reception", args=[vehicle.pk]),
        {"odometer_km": "", "fuel_level": 150, "contact_phone": "123", "waiting_mode": "waits"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"repair_type", "odometer_km", "fuel_level", "contact_phone"} <= set(errors)
    assert not RepairOrder.objects.exists()


def test_an_odometer_below_the_last_reading_is_a_form_error(advisor, store, vehicle):
    general = RepairType.objects.effective_for_store(store).get(code="general")
    vehicle.odometer_km = 50000
    vehicle.save()
    response = advisor.post(
        reverse("service:reception", args=[vehicle.pk]),
        {"repair_type": general.pk, "odometer_km": 100, "fuel_level": 50, "waiting_mode": "waits"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors  # the service's message, on the form
    assert not RepairOrder.objects.exists()


def test_reception_of_another_stores_vehicle_is_a_404(advisor, other_store, catalogue):
    car = VehicleFactory(owner=CustomerFactory(store=other_store))
    assert advisor.get(reverse("service:reception", args=[car.pk])).status_code == 404


def test_the_reception_search_offers_the_car_to_receive(advisor, vehicle):
    response = advisor.get(reverse("service:reception_search"), {"q": "12345"}, headers={"HX-Request": "true"})
    assert reverse("service:reception", args=[vehicle.pk]) in response.content.decode()


# --- lines with htmx ----------------------------------------------------------------------------


def _add(client, order, item, **extra):
    data = {"line-kind": "operation", "line-item": item.pk, "line-quantity": "1", "line-payer": "customer", **extra}
    return client.post(reverse("service:line_add", args=[order.pk]), data, headers={"HX-Request": "true"})


def test_adding_a_line_with_htmx_returns_a_fresh_form_and_announces_the_change_to_the_order(advisor, store, order):
    response = _add(advisor, order, _op(store))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="line-add-form"' in body and "<html" not in body and 'data-testid="line-error"' not in body
    assert response["HX-Trigger-After-Settle"] == RO_CHANGED
    assert order.lines.count() == 1


def test_a_refused_line_announces_no_change(advisor, order):
    response = advisor.post(
        reverse("service:line_add", args=[order.pk]),
        {"line-kind": "part", "line-item": "999999", "line-quantity": "1", "line-payer": "customer"},
        headers={"HX-Request": "true"},
    )
    assert "HX-Trigger-After-Settle" not in response


def test_every_panel_of_the_order_page_showing_its_figures_reloads_on_the_change_event(advisor, staff, store, order):
    html = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    listener = 'hx-trigger="ro-changed from:body"'
    for panel in ("ro-lines-table", "ro-proposed", "billing-panel"):
        start = html.index(f'id="{panel}"')
        tag = html[html.rindex("<", 0, start) : html.index(">", start)]
        assert listener in tag, panel
    # The workshop panel arrives by htmx; what it loads listens too.
    workshop = advisor.get(reverse("workshop:order_panel", args=[order.pk])).content.decode()
    assert listener in workshop[: workshop.index(">", workshop.index('id="workshop-panel"'))]


def test_after_a_line_is_added_each_panel_reloads_with_the_new_figures(advisor, staff, store, order, client_for):
    _add(advisor, order, _op(store))
    order.refresh_from_db()
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver/repair-orders/{order.pk}/"}
    lines = advisor.get(reverse("service:order_panel", args=[order.pk, "line_table"]), headers=headers)
    billing = client_for(staff["cashier"]).get(reverse("billing:order_panel", args=[order.pk]), headers=headers)
    workshop = advisor.get(reverse("workshop:order_panel", args=[order.pk]), headers=headers)
    assert f"¥{order.total}" in lines.content.decode() and "<html" not in lines.content.decode()
    balance = billing.content.decode()
    assert f'data-testid="balance">¥{order.customer_total}<' in balance
    assert f'name="next" value="/repair-orders/{order.pk}/"' in balance
    assert _op(store).name in workshop.content.decode()


def test_an_unknown_panel_is_a_404_and_another_stores_panel_too(advisor, other_store, catalogue, order):
    assert advisor.get(reverse("service:order_panel", args=[order.pk, "authorise"])).status_code == 404
    theirs = _other_store_order(other_store, catalogue)
    assert advisor.get(reverse("service:order_panel", args=[theirs.pk, "line_table"])).status_code == 404
    assert advisor.get(reverse("billing:order_panel", args=[theirs.pk])).status_code == 404


def test_a_line_already_on_the_order_is_refused_until_the_advisor_confirms_it(advisor, store, order):
    op = _op(store)
    _add(advisor, order, op)
    refused = _add(advisor, order, op)
    body = refused.content.decode()
    assert 'data-testid="line-duplicate"' in body and f'name="line-confirm" value="{op.pk}"' in body
    assert "HX-Trigger-After-Settle" not in refused and order.lines.count() == 1
    confirmed = _add(advisor, order, op, **{"line-item": "", "line-confirm": op.pk})
    assert confirmed["HX-Trigger-After-Settle"] == RO_CHANGED and order.lines.count() == 2


def test_a_declined_line_does_not_count_as_a_duplicate(staff, store, order):
    op = _op(store)
    (line,) = services.line_add(actor=staff["advisor"], order=order, operation=op)
    RepairOrderLine.objects.filter(pk=line.pk).update(status=LineStatus.DECLINED)
    services.line_add(actor=staff["advisor"], order=order, operation=op)
    assert order.lines.count() == 2


def test_enter_without_a_chosen_entry_adds_nothing(advisor, order):
    response = advisor.post(
        reverse("service:line_add", args=[order.pk]),
        {"line-kind": "operation", "q": "M00", "line-quantity": "1", "line-payer": "customer"},
        headers={"HX-Request": "true"},
    )
    assert 'data-testid="line-error"' in response.content.decode() and not order.lines.exists()


def test_the_add_line_forms_default_button_is_disabled_so_enter_submits_nothing(advisor, order):
    html = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    form = html[html.index('id="line-add-form"') :]
    first_button = form[form.index("<button") : form.index(">", form.index("<button"))]
    assert "disabled" in first_button and 'data-typeahead="catalogue-results"' in form


def test_a_line_without_a_catalogue_entry_is_a_form_error(advisor, order):
    response = advisor.post(
        reverse("service:line_add", args=[order.pk]),
        {"line-kind": "part", "line-item": "999999", "line-quantity": "1", "line-payer": "customer"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and 'data-testid="line-error"' in response.content.decode()
    assert not order.lines.exists()


def test_the_catalogue_type_ahead_finds_entries_of_the_store(advisor, store, order):
    part = Part.objects.effective_for_store(store).first()
    response = advisor.get(
        reverse("service:catalogue_search", args=[order.pk]),
        {"line-kind": "part", "q": part.name[:2]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert f'value="{part.pk}"' in response.content.decode()


def test_removing_a_line_while_the_estimate_is_built(advisor, staff, store, order):
    (line,) = services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    response = advisor.post(reverse("service:line_remove", args=[order.pk, line.pk]), headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Trigger-After-Settle"] == RO_CHANGED
    assert 'id="ro-lines-table"' in response.content.decode()
    order.refresh_from_db()
    assert order.total == 0 and not order.lines.exists()


# --- authorisation, additional work and moves --------------------------------------------------


def test_the_customer_authorises_by_signature_on_screen(advisor, staff, store, order):
    _estimate(staff, store, order)
    page = advisor.get(reverse("service:repair_order_detail", args=[order.pk]))
    assert 'data-testid="authorise"' in page.content.decode()
    advisor.post(reverse("service:authorise", args=[order.pk]), {"method": "signature", "signature": SIGNATURE})
    order.refresh_from_db()
    assert order.status == Status.APPROVED and order.authorisation_signature == SIGNATURE


def test_a_verbal_authorisation_needs_a_note(advisor, staff, store, order):
    _estimate(staff, store, order)
    response = advisor.post(reverse("service:authorise", args=[order.pk]), {"method": "verbal"}, follow=True)
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200 and list(response.context["messages"])
    assert RepairOrder.objects.get(pk=order.pk).status == Status.ESTIMATE
    advisor.post(reverse("service:authorise", args=[order.pk]), {"method": "verbal", "note": "车主电话确认 10:20"})
    order.refresh_from_db()
    assert order.status == Status.APPROVED and order.authorisation_method == "verbal"


def test_additional_work_is_approved_or_declined_and_declined_work_stays_greyed(advisor, staff, store, order):
    _estimate(staff, store, order)
    services.repair_order_authorise(actor=staff["advisor"], order=order, method="signature", signature=SIGNATURE)
    (extra,) = services.line_add(actor=staff["advisor"], order=order, operation=_op(store, "B001"))
    charge = OtherCharge.objects.effective_for_store(store).first()
    (other,) = services.line_add(actor=staff["advisor"], order=order, other_charge=charge)
    page = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    assert 'data-testid="additional-work"' in page
    advisor.post(
        reverse("service:line_decide", args=[order.pk, extra.pk]), {"approve": "1", "method": "verbal", "note": "车主"}
    )
    advisor.post(
        reverse("service:line_decide", args=[order.pk, other.pk]),
        {"approve": "0", "method": "verbal", "note": "客户电话"},
    )
    extra.refresh_from_db()
    other.refresh_from_db()
    assert (extra.status, other.status) == (LineStatus.APPROVED, LineStatus.DECLINED)
    page = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    assert "ro-line-declined" in page and 'data-testid="additional-work"' not in page


def test_a_forbidden_move_is_a_message_not_a_500(advisor, order):
    response = advisor.post(reverse("service:transition", args=[order.pk]), {"to": "estimate"}, follow=True)
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    response = advisor.post(reverse("service:transition", args=[order.pk]), {"to": "delivered"}, follow=True)
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200 and list(response.context["messages"])
    response = advisor.post(reverse("service:transition", args=[order.pk]), {"to": "nonsense"}, follow=True)
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200
    assert RepairOrder.objects.get(pk=order.pk).status == Status.RECEPTION


def test_a_technician_who_may_not_cancel_gets_a_message(staff, client_for, order):
    response = client_for(staff["technician"]).post(
        reverse("service:transition", args=[order.pk]), {"to": "cancelled", "note": "客户取消"}, follow=True
    )
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200 and list(response.context["messages"])
    assert RepairOrder.objects.get(pk=order.pk).status == Status.RECEPTION


def test_cancelling_an_order_asks_for_the_reason_and_keeps_it_in_the_history(advisor, order):
    url = reverse("service:transition", args=[order.pk])
    html = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    form = html[
        html.index('data-testid="cancel-form"') : html.index("</form>", html.index('data-testid="cancel-form"'))
    ]
    assert 'name="note" required' in form
    refused = advisor.post(url, {"to": "cancelled", "note": ""}, follow=True)
    assert list(refused.context["messages"]) and RepairOrder.objects.get(pk=order.pk).status == Status.RECEPTION
    advisor.post(url, {"to": "cancelled", "note": "客户改去别家"})
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.status_changes.last().note == "客户改去别家"


def test_allowed_moves_are_buttons_but_approval_goes_through_the_signature_form(advisor, staff, store, order):
    _estimate(staff, store, order)
    body = advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    assert 'name="to" value="cancelled"' in body
    assert 'name="to" value="approved"' not in body and 'name="to" value="ready"' not in body
    assert 'data-testid="authorise"' in body


def test_only_a_manager_sees_and_gives_a_discount(advisor, staff, store, order, client_for):
    _with_lines(staff, store, order, 1)
    assert (
        'action="{}"'.format(reverse("service:discount", args=[order.pk]))
        not in advisor.get(reverse("service:repair_order_detail", args=[order.pk])).content.decode()
    )
    assert advisor.post(reverse("service:discount", args=[order.pk]), {"amount": "5", "reason": "x"}).status_code == 403
    manager = client_for(staff["service_manager"])
    manager.post(reverse("service:discount", args=[order.pk]), {"amount": "5", "reason": "老客户"})
    order.refresh_from_db()
    assert order.discount_total == Decimal("5.00")


def test_a_closed_order_shows_no_editing_forms_but_still_takes_photos(advisor, staff, store, order, client_for):
    _with_lines(staff, store, order, 1)
    services.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")
    url = reverse("service:repair_order_detail", args=[order.pk])
    manager = client_for(staff["service_manager"]).get(url)
    body = manager.content.decode()
    assert 'data-testid="line-add-form"' not in body and 'data-testid="authorise"' not in body
    assert 'action="{}"'.format(reverse("service:discount", args=[order.pk])) not in body
    assert not {"line_form", "authorise_form", "discount_form"} & set(manager.context.keys())  # not even built
    assert 'action="{}"'.format(reverse("service:photo_add", args=[order.pk])) in advisor.get(url).content.decode()


def test_the_estimate_offers_lines_authorisation_and_the_managers_discount(staff, store, order, client_for):
    _estimate(staff, store, order)
    body = client_for(staff["service_manager"]).get(reverse("service:repair_order_detail", args=[order.pk]))
    html = body.content.decode()
    assert 'data-testid="line-add-form"' in html and 'data-testid="authorise"' in html
    assert 'action="{}"'.format(reverse("service:discount", args=[order.pk])) in html


def test_the_page_names_who_pays_each_line_and_each_status_reached(advisor, staff, store, order):
    _with_lines(staff, store, order, 1)
    services.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=staff["advisor"])
    with translation.override("en"):
        html = advisor.get(
            reverse("service:repair_order_detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    lines = html[html.index('id="ro-lines"') : html.index('data-testid="ro-totals"')]
    history = html[html.index('data-testid="ro-history"') :]
    assert ">Customer</td>" in lines
    assert "Reception" in history and "Estimate" in history[: history.index("</ul>")]


# --- scoping and query counts -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["repair_order_detail", "progress", "print_check_in", "print_estimate", "check_in", "details_edit"]
)
def test_another_stores_order_is_a_404(advisor, other_store, catalogue, name):
    foreign = _other_store_order(other_store, catalogue)
    assert advisor.get(reverse(f"service:{name}", args=[foreign.pk])).status_code == 404


def test_another_stores_order_cannot_be_moved_or_changed(advisor, other_store, catalogue):
    foreign = _other_store_order(other_store, catalogue)
    assert (
        advisor.post(
            reverse("service:transition", args=[foreign.pk]), {"to": "cancelled", "note": "客户取消"}
        ).status_code
        == 404
    )
    assert RepairOrder.objects.get(pk=foreign.pk).status == Status.RECEPTION


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session stores the current store in it
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_repair_order_page_costs_the_same_for_3_or_15_lines(advisor, staff, store, vehicle, order):
    other = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    _with_lines(staff, store, order, 3)
    _with_lines(staff, store, other, 15)
    few = _queries(advisor, reverse("service:repair_order_detail", args=[order.pk]))
    many = _queries(advisor, reverse("service:repair_order_detail", args=[other.pk]))
    assert few == many


def test_the_repair_order_page_has_a_pinned_query_count(advisor, staff, store, order, django_assert_num_queries):
    _with_lines(staff, store, order, 15)
    advisor.get(reverse("home"))  # the first request of a session stores the current store in it
    # Session, user, roles, store: 4 + the order, its lines, status rows, photos: 4
    # + the billing panel's payments and credit approvals: 2 (it reuses the lines)
    # + one per registered line-mark reader (loyalty's package-card uses, ev's powertrain fit): 2
    # + one per customer-badge reader (core.marks: the VIC card): 1.
    with django_assert_num_queries(13):
        assert advisor.get(reverse("service:repair_order_detail", args=[order.pk])).status_code == 200


def test_the_repair_order_page_shows_the_people_bay_sheet_and_photos_it_reads(
    advisor, staff, store, order, settings, tmp_path, django_assert_num_queries
):
    settings.MEDIA_ROOT = tmp_path
    staff["advisor"].full_name, staff["technician"].full_name = "王顾问", "李技师"
    staff["advisor"].save(update_fields=["full_name"])
    staff["technician"].save(update_fields=["full_name"])
    services.line_add(actor=staff["advisor"], order=order, operation=_op(store))
    bay = Bay.objects.create(store=store, code="B9", name="九号工位")
    RepairOrderLine.objects.filter(repair_order=order).update(technician=staff["technician"], bay=bay)
    services.check_in_record(
        actor=staff["advisor"], order=order, damage_marks=[{"x": 0.3, "y": 0.4, "kind": "scratch"}],
        belongings="行车记录仪", covers_fitted=True, customer_signature=SIGNATURE,
    )  # fmt: skip
    photo = services.photo_add(
        actor=staff["advisor"], order=order, image=SimpleUploadedFile("a.png", PNG, content_type="image/png")
    )
    url = reverse("service:repair_order_detail", args=[order.pk])
    advisor.get(url)  # the first request of a session stores the current store in it
    with translation.override("en"), django_assert_num_queries(13):  # nothing shown is read lazily
        html = advisor.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "王顾问" in html and "李技师 · 九号工位" in html  # full names, not login names
    assert "粤A12345" in html and "张三" in html and order.repair_type.name in html
    assert "1 damage mark" in html and "行车记录仪" in html and "Not signed yet" not in html
    assert 'src="{}"'.format(reverse("service:photo", args=[order.pk, photo.pk])) in html
    assert "/media/" not in html


def test_an_order_without_a_check_in_sheet_shows_an_empty_one(advisor, order):
    CheckIn.objects.filter(repair_order=order).delete()
    with translation.override("en"):
        html = advisor.get(
            reverse("service:repair_order_detail", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    assert "0 damage marks" in html and "Not signed yet" in html


def test_the_list_has_a_pinned_query_count(advisor, staff, store, catalogue, django_assert_num_queries):
    for _ in range(12):
        car = VehicleFactory(owner=CustomerFactory(store=store))
        services.repair_order_open(actor=staff["advisor"], store=store, vehicle=car)
    advisor.get(reverse("home"))  # the first request of a session stores the current store in it
    url = reverse("service:repair_order_list")
    # Session, user, memberships, current store + one page of orders with their cars, customers and
    # advisors + the advisors to filter by; the htmx partial shows no filter form.
    with django_assert_num_queries(6):
        response = advisor.get(url)
    assert response.status_code == 200 and response.content.decode().count("ro-status") == 12
    with django_assert_num_queries(6):  # another filter than status goes through the filter set
        assert advisor.get(url, {"q": "粤"}).status_code == 200
    with django_assert_num_queries(5):
        assert advisor.get(url, {"status": "open"}, headers={"HX-Request": "true"}).status_code == 200


def test_the_list_shows_todays_open_orders_first_and_filters_by_status(advisor, staff, store, vehicle, catalogue):
    with time_machine.travel("2026-01-05 09:00 +0800", tick=False):
        old = services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    with time_machine.travel("2026-02-01 09:00 +0800", tick=False):
        fresh = services.repair_order_open(
            actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=CustomerFactory(store=store))
        )
        services.repair_order_transition(
            repair_order=fresh, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消"
        )
        today = services.repair_order_open(
            actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=CustomerFactory(store=store))
        )
        rows = advisor.get(reverse("service:repair_order_list")).context["page"]
        assert [row.pk for row in rows] == [today.pk, fresh.pk, old.pk]
        response = advisor.get(
            reverse("service:repair_order_list"), {"status": "cancelled"}, headers={"HX-Request": "true"}
        )
        assert [row.pk for row in response.context["page"]] == [fresh.pk]


def test_the_list_filters_by_status_and_ignores_a_status_it_does_not_know(advisor, staff, store, catalogue):
    first, cancelled, last = (
        services.repair_order_open(
            actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=CustomerFactory(store=store))
        )
        for _ in range(3)
    )
    services.repair_order_transition(
        repair_order=cancelled, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消"
    )
    url = reverse("service:repair_order_list")
    newest_first = [last.pk, cancelled.pk, first.pk]
    for query, expected in (
        ({}, newest_first),
        ({"status": ""}, newest_first),
        ({"status": "nonsense"}, newest_first),
        ({"status": "open"}, [last.pk, first.pk]),
        ({"status": "cancelled"}, [cancelled.pk]),
        ({"status": "open", "q": last.number}, [last.pk]),
    ):
        assert [order.pk for order in advisor.get(url, query).context["page"]] == expected, query


def test_the_list_pages_without_counting_and_keeps_the_filter_in_its_links(advisor, staff, store, catalogue):
    for _ in range(51):
        car = VehicleFactory(owner=CustomerFactory(store=store))
        services.repair_order_open(actor=staff["advisor"], store=store, vehicle=car)
    url = reverse("service:repair_order_list")
    first = advisor.get(url, {"status": "open"})
    assert len(first.context["page"]) == 50
    assert 'href="?status=open&amp;page=2"' in first.content.decode()
    second = advisor.get(url, {"status": "open", "page": "2"})
    assert len(second.context["page"]) == 1 and second.context["page"].number == 2
    assert "page=3" not in second.content.decode()
    for nonsense in ("x", "0", "99"):  # a page that is not there shows the first, as before
        assert advisor.get(url, {"page": nonsense}).context["page"].number == 1


def test_the_list_shows_each_rows_cells_and_marks_a_passed_promise(advisor, staff, store, vehicle):
    with time_machine.travel("2026-02-01 09:00 +0800", tick=False):
        late = services.repair_order_open(
            actor=staff["advisor"], store=store, vehicle=vehicle,
            promised_at=timezone.now() - timedelta(hours=1),
        )  # fmt: skip
        html = advisor.get(reverse("service:repair_order_list")).content.decode()
    row = html[html.index(f'href="{reverse("service:repair_order_detail", args=[late.pk])}"') :]
    row = row[: row.index("</tr>")]
    assert late.number in row and "2026-02-01 09:00" in row and "粤A12345" in row and "张三" in row
    assert '<span class="text-danger fw-semibold">02-01 08:00</span>' in row and "¥0.00" in row


def test_the_advisors_to_filter_by_are_current_and_the_chosen_one_stays_selected(advisor, staff, store, catalogue):
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    url = reverse("service:repair_order_list")
    assert "新来的顾问" not in advisor.get(url).content.decode()
    newcomer = UserFactory(username="newcomer", full_name="新来的顾问")
    MembershipFactory(user=newcomer, store=store, role=Role.ADVISOR)
    assert "新来的顾问" in advisor.get(url).content.decode()  # the filter form is not served stale
    chosen = advisor.get(url, {"advisor": newcomer.pk}).content.decode()
    assert f'<option value="{newcomer.pk}" selected>' in chosen
    assert f'<option value="{newcomer.pk}" selected>' not in advisor.get(url).content.decode()


# --- check-in sheet, photos, printing, progress, history ---------------------------------------


def test_the_walk_around_records_marks_belongings_covers_and_signature(advisor, order):
    marks = [{"x": 0.3, "y": 0.2, "kind": "scratch", "note": "3 cm"}, {"x": 0.7, "y": 0.8, "kind": "dent", "note": ""}]
    response = advisor.post(
        reverse("service:check_in", args=[order.pk]),
        {"damage_marks": json.dumps(marks), "belongings": "行车记录仪", "covers_fitted": "on",
         "customer_signature": SIGNATURE},
    )  # fmt: skip
    assert (response.status_code, response.url) == (302, reverse("service:repair_order_detail", args=[order.pk]))
    sheet = CheckIn.objects.get(repair_order=order)
    assert sheet.damage_marks == marks and sheet.covers_fitted and sheet.signed_at
    printed = advisor.get(reverse("service:print_check_in", args=[order.pk])).content.decode()
    assert printed.count('class="mark mark-') == 2 and "行车记录仪" in printed


def test_damage_marks_outside_the_car_are_a_form_error(advisor, order):
    response = advisor.post(
        reverse("service:check_in", args=[order.pk]),
        {"damage_marks": json.dumps([{"x": 3, "y": 0.2, "kind": "scratch"}])},
    )
    assert response.status_code == 200 and response.context["form"].errors
    response = advisor.post(reverse("service:check_in", args=[order.pk]), {"damage_marks": "not json"})
    assert response.status_code == 200 and response.context["form"].errors


def test_a_photo_is_attached_only_if_it_is_an_image(advisor, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    advisor.post(
        reverse("service:photo_add", args=[order.pk]),
        {"image": SimpleUploadedFile("a.png", PNG, content_type="image/png"), "caption": "左前门划痕"},
    )
    assert Photo.objects.filter(repair_order=order).count() == 1
    response = advisor.post(
        reverse("service:photo_add", args=[order.pk]),
        {"image": SimpleUploadedFile("b.jpg", b"#!/bin/sh\necho hi", content_type="image/jpeg")},
        follow=True,
    )
    assert response.redirect_chain == [(reverse("service:repair_order_detail", args=[order.pk]), 302)]
    assert response.status_code == 200 and list(response.context["messages"])
    assert Photo.objects.filter(repair_order=order).count() == 1


def test_a_photo_is_served_to_whoever_may_see_its_order(advisor, staff, order, settings, tmp_path, client_for):
    settings.MEDIA_ROOT = tmp_path
    photo = services.photo_add(
        actor=staff["advisor"], order=order, image=SimpleUploadedFile("dent.png", PNG, content_type="image/png")
    )
    url = reverse("service:photo", args=[order.pk, photo.pk])
    response = advisor.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    assert "private" in response["Cache-Control"]
    assert client_for(staff["cashier"]).get(url).status_code == 200  # every role that sees the order


def test_another_stores_user_gets_a_404_for_a_photo_and_a_stranger_the_login_page(
    staff, order, other_store, catalogue, settings, tmp_path, client
):
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    settings.MEDIA_ROOT = tmp_path
    photo = services.photo_add(
        actor=staff["advisor"], order=order, image=SimpleUploadedFile("dent.png", PNG, content_type="image/png")
    )
    outsider = UserFactory(username="other-advisor")
    MembershipFactory(user=outsider, store=other_store, role=Role.ADVISOR)
    url = reverse("service:photo", args=[order.pk, photo.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # Nor through another of the user's own orders: the photo must belong to the order in the address.
    theirs = _other_store_order(other_store, catalogue)
    client.force_login(outsider)
    assert client.get(reverse("service:photo", args=[theirs.pk, photo.pk])).status_code == 404


def test_a_photo_whose_file_is_gone_is_a_404(advisor, staff, order, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    photo = services.photo_add(
        actor=staff["advisor"], order=order, image=SimpleUploadedFile("dent.png", PNG, content_type="image/png")
    )
    (tmp_path / photo.image.name).unlink()
    assert advisor.get(reverse("service:photo", args=[order.pk, photo.pk])).status_code == 404


def test_a_photo_over_10_mb_is_refused(staff, order, settings, tmp_path):
    from django.core.exceptions import ValidationError

    settings.MEDIA_ROOT = tmp_path
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024), content_type="image/png")
    with pytest.raises(ValidationError):
        services.photo_add(actor=staff["advisor"], order=order, image=big)


def test_the_printable_estimate_shows_lines_hours_total_and_promise(advisor, staff, store, order):
    _estimate(staff, store, order)
    body = advisor.get(reverse("service:print_estimate", args=[order.pk])).content.decode()
    order.refresh_from_db()
    assert 'data-testid="print-estimate"' in body and f"¥{order.total}" in body
    assert _op(store).code in body


def test_progress_shows_every_step_and_when_it_was_reached(advisor, staff, store, order):
    _estimate(staff, store, order)
    response = advisor.get(reverse("service:progress", args=[order.pk]))
    steps = response.context["steps"]
    assert [s["status"] for s in steps if s["change"]] == ["reception", "estimate"]
    assert next(s for s in steps if s["current"])["status"] == "estimate"


def test_the_vehicle_history_lists_orders_with_lines_in_constant_queries(advisor, staff, store, vehicle, order):
    _with_lines(staff, store, order, 2)
    url = reverse("service:vehicle_history", args=[vehicle.pk])
    first = _queries(advisor, url)
    for _ in range(3):
        _with_lines(staff, store, services.repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle), 2)
    assert _queries(advisor, url) == first
    body = advisor.get(url).content.decode()
    assert order.number in body and "刹车有异响" in body


def test_the_customer_history_lists_the_customers_orders(advisor, vehicle, order):
    body = advisor.get(reverse("service:customer_history", args=[vehicle.owner_id])).content.decode()
    assert order.number in body


def test_the_demo_builds_open_and_delivered_orders_through_the_services(staff, store, catalogue):
    import random

    from django.utils import timezone

    from aftercare.service.demo import seed_repair_orders

    for n in range(20):
        VehicleFactory(owner=CustomerFactory(store=store), powertrain="BEV" if n % 4 == 0 else "ICE", odometer_km=9000)
    orders = seed_repair_orders(
        store, random.Random(7), timezone.localdate(), [staff["advisor"]], [staff["technician"]],
        open_count=8, history_count=6,
    )  # fmt: skip
    statuses = [RepairOrder.objects.get(pk=o.pk).status for o in orders]
    # Six in the history, and the regular (combustion) customers back for a recent periodic service.
    delivered_orders = [o for o in orders if RepairOrder.objects.get(pk=o.pk).status == Status.DELIVERED]
    assert len(delivered_orders) > 6
    assert len({o.vehicle_id for o in delivered_orders}) == 6
    assert {Status.RECEPTION, Status.ESTIMATE, Status.APPROVED, Status.IN_PROGRESS} <= set(statuses)
    delivered = RepairOrder.objects.filter(status=Status.DELIVERED).first()
    assert delivered.total > 0 and delivered.opened_at.date() < timezone.localdate()
    assert list(delivered.status_changes.values_list("to_status", flat=True))[-1] == Status.DELIVERED


def test_the_vehicle_page_offers_to_receive_the_car_and_loads_its_history(advisor, vehicle):
    body = advisor.get(reverse("customers:vehicle_detail", args=[vehicle.pk])).content.decode()
    assert reverse("service:reception", args=[vehicle.pk]) in body
    assert reverse("service:vehicle_history", args=[vehicle.pk]) in body


def test_the_list_escapes_what_people_typed(advisor, staff, store, catalogue):
    owner = CustomerFactory(store=store, name="<script>alert(1)</script>")
    order = services.repair_order_open(
        actor=staff["advisor"], store=store, vehicle=VehicleFactory(owner=owner, model='"><img src=x>')
    )
    html = advisor.get(reverse("service:repair_order_list")).content.decode()
    assert order.number in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><img src=x>' not in html and "&quot;&gt;&lt;img src=x&gt;" in html


def test_the_advisor_filter_lists_the_advisors_of_the_visible_stores_and_no_one_else(staff, store, other_store):
    from aftercare.accounts.roles import Role
    from aftercare.core.models import DealerGroup
    from aftercare.service.filters import RepairOrderFilterSet
    from aftercare.tests.factories import MembershipFactory, StoreFactory, UserFactory

    manager = UserFactory(username="area_manager")
    MembershipFactory(user=manager, store=None, group=store.group, role=Role.SERVICE_MANAGER)
    theirs = UserFactory(username="py-advisor")
    MembershipFactory(user=theirs, store=other_store, role=Role.ADVISOR)
    group_wide = UserFactory(username="group-advisor")
    MembershipFactory(user=group_wide, store=None, group=store.group, role=Role.ADVISOR)
    elsewhere = UserFactory(username="other-group-advisor")
    MembershipFactory(user=elsewhere, store=StoreFactory(group=DealerGroup.objects.create(name="别的集团")),
                      role=Role.ADVISOR)  # fmt: skip
    gone = UserFactory(username="left-advisor", is_active=False)
    MembershipFactory(user=gone, store=store, role=Role.ADVISOR)

    def offered(user):
        return set(RepairOrderFilterSet(user=user).filters["advisor"].queryset.values_list("username", flat=True))

    assert offered(manager) == {"advisor", "py-advisor", "group-advisor"}  # no technician, no foreman
    assert offered(staff["advisor"]) == {"advisor", "group-advisor"}


def test_a_manager_of_two_stores_sees_the_store_of_each_order_in_the_list(staff, store, other_store, order, catalogue):
    from aftercare.accounts.roles import Role
    from aftercare.tests.factories import MembershipFactory, UserFactory

    theirs = _other_store_order(other_store, catalogue)
    manager = UserFactory(username="area_manager")
    MembershipFactory(user=manager, store=None, group=store.group, role=Role.SERVICE_MANAGER)
    client = Client()
    client.force_login(manager)
    content = client.get(reverse("service:repair_order_list")).content.decode()
    labels = re.findall(r'data-testid="number-store"[^>]*>([^<]+)<', content)
    assert order.number == theirs.number and sorted(labels) == sorted([store.name, other_store.name])
