"""Pages: the board (query count, overdue, wall mode), My jobs with htmx clocking, the order panel, QC."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aftercare.service import services as spine
from aftercare.service.choices import RO_CHANGED, Status
from aftercare.service.models import RepairOrder
from aftercare.workshop import services
from aftercare.workshop.models import Finding, Job

from .conftest import bay, labour

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _dispatched(staff, make_order, tech, **kwargs):
    order = make_order(**kwargs)
    for line in labour(order):
        services.job_dispatch(actor=staff["foreman"], line=line, technician=tech, bay=bay(order.store))
    return order


def test_the_board_costs_the_same_queries_for_3_or_30_orders(staff, make_order, tech, client_for):
    client = client_for(staff["advisor"])
    for _ in range(3):
        _dispatched(staff, make_order, tech)
    client.get(reverse("workshop:board"))  # warm the session

    def board_queries(expected_rows: int) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("workshop:board"), **HTMX)
        assert response.content.count(b'data-testid="board-row"') == expected_rows
        return [query["sql"] for query in captured.captured_queries]

    three = board_queries(3)
    for _ in range(27):
        _dispatched(staff, make_order, tech)
    thirty = board_queries(30)
    assert len(thirty) == len(three) <= 8  # session, user, roles, store, auth (6): the page's fixed cost
    # The board itself: one query for the orders (with advisor, vehicle, wash, job counts), one for the jobs.
    assert len([sql for sql in thirty if "service_repairorder" in sql or "workshop_job" in sql]) == 2


def test_the_board_highlights_overdue_orders_and_polls_every_30_seconds(staff, make_order, client_for):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        make_order(promised_in=timedelta(minutes=5))
        make_order(promised_in=timedelta(hours=4))
        clock.shift(timedelta(minutes=10))
        response = client_for(staff["advisor"]).get(reverse("workshop:board"))
    html = response.content.decode()
    assert 'hx-trigger="every 30s"' in html
    assert html.count('data-overdue="1"') == 1 and html.count('data-overdue="0"') == 1
    assert 'class="table-danger"' in html


def test_each_board_row_shows_its_car_stage_people_bay_jobs_wash_and_promise(staff, make_order, tech, client_for):
    order = _dispatched(staff, make_order, tech, codes=("M009", "M001"), plate="粤A8B8C8")
    services.job_clock_on(actor=tech, line=labour(order)[0])
    services.job_clock_off(actor=tech, line=labour(order)[0], finished=True)
    wash = services.repair_order_wash(actor=tech, order=order)
    html = client_for(staff["advisor"]).get(reverse("workshop:board")).content.decode()
    row = html[html.index('data-testid="board-row"') :]
    row = row[: row.index("</tr>")]
    assert f'<a href="{reverse("service:repair_order_detail", args=[order.pk])}">{order.number}</a>' in row
    assert "粤A8B8C8" in row and str(staff["advisor"]) in row and str(tech) in row and "B03" in row
    assert "<td>1/2</td>" in row and timezone.localtime(order.promised_at).strftime("%m-%d %H:%M") in row
    washed = f'<td><i class="bi bi-check-lg" aria-hidden="true"></i> {timezone.localtime(wash.washed_at):%H:%M}</td>'
    assert washed in row


def test_the_wall_mode_has_no_navigation_and_big_type(staff, make_order, client_for):
    make_order()
    html = client_for(staff["foreman"]).get(reverse("workshop:board") + "?wall=1").content.decode()
    assert 'data-testid="board-wall"' in html and "navbar" not in html and "fs-4" in html


def test_a_technician_clocks_on_and_finishes_from_my_jobs(staff, make_order, tech, client_for):
    order = _dispatched(staff, make_order, tech)
    (line,) = labour(order)
    client = client_for(tech)
    page = client.get(reverse("workshop:my_jobs"))
    assert page.status_code == 200 and order.vehicle.plate in page.content.decode()
    response = client.post(reverse("workshop:clock_on", args=[line.pk]), **HTMX)
    assert response.status_code == 200 and 'data-testid="finish"' in response.content.decode()
    assert RepairOrder.objects.get(pk=order.pk).status == Status.IN_PROGRESS
    client.post(reverse("workshop:clock_off", args=[line.pk]), {"finished": "1"}, **HTMX)
    assert RepairOrder.objects.get(pk=order.pk).status == Status.QUALITY_CHECK


def test_a_refused_clock_shows_an_error_not_a_500(staff, make_order, tech, client_for):
    order = _dispatched(staff, make_order, tech)
    (line,) = labour(order)
    response = client_for(tech).post(reverse("workshop:clock_off", args=[line.pk]), {"finished": "0"}, **HTMX)
    assert response.status_code == 200 and "alert-danger" in response.content.decode()


def test_a_technician_reports_a_finding_from_my_jobs(staff, store, make_order, tech, client_for):
    order = _dispatched(staff, make_order, tech)
    (line,) = labour(order)
    url = reverse("workshop:finding_report", args=[line.pk])
    bad = client_for(tech).post(url, {f"f{line.pk}-description": "", f"f{line.pk}-quantity": "1"}, **HTMX)
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    client_for(tech).post(url, {f"f{line.pk}-description": "刹车片磨损", f"f{line.pk}-quantity": "1"}, **HTMX)
    assert Finding.objects.get().description == "刹车片磨损"


def test_another_stores_job_is_a_404(staff, other_store, make_order, tech, client_for):
    from aftercare.tests.factories import MembershipFactory, UserFactory

    catalog_user = UserFactory(username="py-foreman")
    MembershipFactory(user=catalog_user, store=other_store, role="foreman")
    from aftercare.catalog.defaults import seed_store_bays

    seed_store_bays(other_store)
    order = make_order(target_store=other_store)
    (line,) = labour(order)
    services.job_dispatch(actor=catalog_user, line=line, technician=catalog_user, bay=bay(other_store))
    response = client_for(tech).post(reverse("workshop:clock_on", args=[line.pk]))
    assert response.status_code == 404
    assert client_for(staff["foreman"]).get(reverse("workshop:order_panel", args=[order.pk])).status_code == 404


def test_the_foreman_dispatches_from_the_order_panel(staff, make_order, tech, client_for):
    order = make_order()
    (line,) = labour(order)
    client = client_for(staff["foreman"])
    panel = client.get(reverse("workshop:order_panel", args=[order.pk]))
    assert 'data-testid="workshop-panel"' in panel.content.decode()
    url = reverse("workshop:dispatch", args=[order.pk, line.pk])
    bad = client.post(url, {f"d{line.pk}-technician": staff["cashier"].pk}, **HTMX)
    assert bad.status_code == 200 and not Job.objects.exists()
    assert "HX-Trigger-After-Settle" not in bad
    ok = client.post(url, {f"d{line.pk}-technician": tech.pk, f"d{line.pk}-bay": bay(order.store).pk}, **HTMX)
    assert ok.status_code == 200 and Job.objects.get().technician == tech
    assert ok["HX-Trigger-After-Settle"] == RO_CHANGED  # the order page's lines show the technician


def test_the_order_panel_offers_dispatch_only_while_the_order_can_be_worked_on(staff, make_order, client_for):
    order = make_order()
    foreman = client_for(staff["foreman"])
    panel = reverse("workshop:order_panel", args=[order.pk])
    assert reverse("workshop:dispatch", args=[order.pk, labour(order)[0].pk]).encode() in foreman.get(panel).content
    spine.repair_order_transition(repair_order=order, to=Status.CANCELLED, actor=staff["advisor"], note="客户取消")
    html = foreman.get(panel).content.decode()
    assert 'data-testid="workshop-panel"' in html and "/dispatch/" not in html


def test_the_foreman_dispatches_several_jobs_of_an_order_at_once(staff, make_order, tech, client_for):
    order = make_order(codes=("M009", "M001", "B001"))
    first, second, third = labour(order)
    client = client_for(staff["foreman"])
    panel = client.get(reverse("workshop:order_panel", args=[order.pk])).content.decode()
    assert 'data-testid="dispatch-many"' in panel and f'value="{third.pk}"' in panel
    url = reverse("workshop:dispatch_many", args=[order.pk])
    data = {"many-lines": [first.pk, second.pk], "many-technician": tech.pk, "many-bay": bay(order.store).pk}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200 and response["HX-Trigger-After-Settle"] == RO_CHANGED
    assert sorted(Job.objects.filter(technician=tech).values_list("line_id", flat=True)) == [first.pk, second.pk]
    assert not Job.objects.filter(line=third).exists()


def test_dispatching_several_jobs_is_all_or_none_and_says_which_job_was_refused(staff, make_order, tech, client_for):
    order = make_order(codes=("M009", "M001"))
    first, second = labour(order)
    response = client_for(staff["foreman"]).post(
        reverse("workshop:dispatch_many", args=[order.pk]),
        {"many-lines": [first.pk, second.pk], "many-technician": staff["cashier"].pk},
        **HTMX,
    )
    assert response.status_code == 200 and "HX-Trigger-After-Settle" not in response
    assert not Job.objects.exists()
    none_chosen = client_for(staff["foreman"]).post(
        reverse("workshop:dispatch_many", args=[order.pk]), {"many-technician": tech.pk}, **HTMX
    )
    assert 'data-testid="dispatch-many"' in none_chosen.content.decode() and not Job.objects.exists()


def test_one_dispatchable_job_gets_no_several_jobs_form(staff, make_order, client_for):
    order = make_order()
    panel = client_for(staff["foreman"]).get(reverse("workshop:order_panel", args=[order.pk])).content.decode()
    assert 'data-testid="dispatch-many"' not in panel


def test_clocking_on_says_it_paused_the_running_job_and_lists_the_running_job_first(
    staff, make_order, tech, client_for
):
    first = _dispatched(staff, make_order, tech, plate="粤A11111")
    second = _dispatched(staff, make_order, tech, plate="粤A22222")
    (first_line,), (second_line,) = labour(first), labour(second)
    client = client_for(tech)
    quiet = client.post(reverse("workshop:clock_on", args=[first_line.pk]), **HTMX).content.decode()
    assert "alert-success" not in quiet  # nothing was paused
    html = client.post(reverse("workshop:clock_on", args=[second_line.pk]), **HTMX).content.decode()
    assert "alert-success" in html and first.number in html[html.index("alert-success") :][:400]
    assert Job.objects.get(line=first_line).status == "paused"
    cards = html.split('data-testid="job-card"')[1:]
    assert "粤A22222" in cards[0] and "粤A11111" in cards[1]


def test_a_technician_cannot_open_dispatch(staff, make_order, tech, client_for):
    order = make_order()
    (line,) = labour(order)
    response = client_for(tech).post(reverse("workshop:dispatch", args=[order.pk, line.pk]), {})
    assert response.status_code == 403


def test_the_quality_check_page_records_a_pass(staff, make_order, tech, client_for):
    order = _dispatched(staff, make_order, tech)
    (line,) = labour(order)
    services.job_clock_on(actor=tech, line=line)
    services.job_clock_off(actor=tech, line=line, finished=True)
    client = client_for(staff["foreman"])
    url = reverse("workshop:quality_check", args=[order.pk])
    page = client.get(url)
    form = page.context["form"]
    data = {f"item_{item.code}": "ok" for item in form.items}
    missing = client.post(url, {"result": "pass"})
    assert missing.status_code == 200 and RepairOrder.objects.get(pk=order.pk).status == Status.QUALITY_CHECK
    response = client.post(url, {**data, "result": "pass"})
    assert (response.status_code, response.url) == (302, reverse("service:repair_order_detail", args=[order.pk]))
    assert RepairOrder.objects.get(pk=order.pk).status == Status.READY


def test_the_repair_order_page_loads_the_workshop_panel(staff, make_order, client_for):
    order = make_order()
    response = client_for(staff["foreman"]).get(reverse("service:repair_order_detail", args=[order.pk]))
    assert response.status_code == 200
    assert reverse("workshop:order_panel", args=[order.pk]) in response.content.decode()
