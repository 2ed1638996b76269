"""Complaint pages: who sees what (docs/DOMAIN.md §8.1), store scoping, the handling
flow through the forms, the opinions report and its CSV, query counts."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from aftercare.complaints import services
from aftercare.complaints.choices import Status
from aftercare.complaints.models import Complaint
from aftercare.core.models import AuditEntry
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory

pytestmark = pytest.mark.django_db

FRONT_DESK = ("advisor", "cashier", "customer_care", "vic_specialist")
NO_COMPLAINTS = ("technician", "foreman", "parts_clerk", "admin")


@pytest.fixture
def complaint(make_complaint, staff):
    return make_complaint(actor=staff["advisor"], description="保养后发动机故障灯亮", customer_words="很生气")


@pytest.mark.parametrize("role", NO_COMPLAINTS)
def test_roles_without_complaint_permissions_get_403_everywhere(client_for, staff, complaint, role):
    client = client_for(staff[role])
    for url in (
        reverse("complaints:list"), reverse("complaints:create"), reverse("complaints:detail", args=[complaint.pk]),
        reverse("complaints:opinions"), reverse("complaints:settings"),
    ):  # fmt: skip
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", FRONT_DESK)
def test_the_front_desk_records_and_lists_but_never_sees_details(client_for, staff, complaint, role):
    client = client_for(staff[role])
    assert client.get(reverse("complaints:create")).status_code == 200
    assert client.get(reverse("complaints:detail", args=[complaint.pk])).status_code == 403
    assert client.get(reverse("complaints:opinions")).status_code == 403
    assert client.get(reverse("complaints:opinions") + "?format=csv").status_code == 403
    for name in ("move", "resolve", "close", "update"):
        assert client.post(reverse(f"complaints:{name}", args=[complaint.pk]), {"to": "contacted"}).status_code == 403
    listing = client.get(reverse("complaints:list"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "保养后发动机故障灯亮" not in body and "很生气" not in body
    if role == "advisor":
        assert complaint.number in body
        assert reverse("complaints:detail", args=[complaint.pk]) not in body
    else:
        assert complaint.number not in body  # someone else's submission


def test_the_manager_sees_the_details(client_for, staff, complaint):
    response = client_for(staff["service_manager"]).get(reverse("complaints:detail", args=[complaint.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "保养后发动机故障灯亮" in body and "很生气" in body
    assert 'data-testid="complaint-clocks"' in body


def test_recording_through_the_form_by_mobile_with_a_repair_order_number(client_for, staff, vehicle, store):
    from aftercare.service.services import repair_order_open
    from aftercare.tests.factories import catalog_for

    catalog_for(store)
    order = repair_order_open(actor=staff["advisor"], store=store, vehicle=vehicle)
    client = client_for(staff["cashier"])
    prefilled = client.get(reverse("complaints:create") + f"?repair_order={order.pk}")
    assert order.number in prefilled.content.decode()
    response = client.post(
        reverse("complaints:create"),
        {"customer": vehicle.owner.mobile, "repair_order": order.number, "channel": "in_store",
         "complaint_type": "price", "priority": "normal", "description": "收费不透明"},
    )  # fmt: skip
    assert response.status_code == 302 and response.url == reverse("complaints:list")
    created = Complaint.objects.get()
    assert created.repair_order == order and created.vehicle == vehicle and created.submitted_by == staff["cashier"]


def test_the_form_shows_field_errors_instead_of_failing(client_for, staff):
    response = client_for(staff["advisor"]).post(
        reverse("complaints:create"),
        {"customer": "13900000000", "repair_order": "RO404", "channel": "fax", "complaint_type": "price",
         "priority": "normal", "description": ""},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"customer", "repair_order", "channel", "description"} <= set(errors)
    assert not Complaint.objects.exists()


def test_the_manager_handles_a_complaint_through_the_page(client_for, staff, complaint):
    client = client_for(staff["service_manager"])
    detail = reverse("complaints:detail", args=[complaint.pk])
    assert client.post(reverse("complaints:move", args=[complaint.pk]), {"to": "contacted"}).url == detail
    refused = client.post(reverse("complaints:move", args=[complaint.pk]), {"to": "plan"})
    assert (refused.status_code, refused.url) == (302, detail)
    # The plan is missing: a message, not a 500.
    assert [m.level_tag for m in get_messages(refused.wsgi_request)] == ["error"]
    complaint.refresh_from_db()
    assert complaint.status == Status.CONTACTED
    due = (complaint.received_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    saved = client.post(
        reverse("complaints:update", args=[complaint.pk]),
        {"priority": "high", "complaint_type": "repair_quality", "resolution_plan": "免费复检", "plan_due_at": due},
    )  # fmt: skip
    assert (saved.status_code, saved.url) == (302, detail)
    client.post(reverse("complaints:move", args=[complaint.pk]), {"to": "plan"})
    assert client.post(reverse("complaints:resolve", args=[complaint.pk]), {"result": ""}).status_code == 400
    client.post(reverse("complaints:resolve", args=[complaint.pk]), {"result": "更换传感器"})
    client.post(reverse("complaints:move", args=[complaint.pk]), {"to": "informed"})
    assert client.post(reverse("complaints:close", args=[complaint.pk]), {"satisfaction": "9"}).status_code == 400
    client.post(reverse("complaints:close", args=[complaint.pk]), {"satisfaction": "5", "note": "满意"})
    complaint.refresh_from_db()
    assert complaint.status == Status.CLOSED and complaint.satisfaction == 5 and complaint.priority == "high"


def test_resolving_a_complaint_not_yet_handled_is_refused_with_a_message(client_for, staff, complaint):
    client = client_for(staff["service_manager"])
    response = client.post(reverse("complaints:resolve", args=[complaint.pk]), {"result": "更换传感器"})
    assert response.status_code == 302
    assert response.url == reverse("complaints:detail", args=[complaint.pk])
    [refusal] = get_messages(response.wsgi_request)
    assert refusal.level_tag == "error"
    assert complaint.get_status_display() in refusal.message
    complaint.refresh_from_db()
    assert (complaint.status, complaint.result) == (Status.NEW, "")


def test_another_stores_complaint_is_a_404(client_for, staff, other_store):
    outsider_manager = UserFactory(username="py-manager")
    MembershipFactory(user=outsider_manager, store=other_store, role="service_manager")
    customer = CustomerFactory(store=other_store)
    elsewhere = services.complaint_create(
        actor=outsider_manager, store=other_store, customer=customer, channel="web", complaint_type="price",
        description="别店的投诉",
    )  # fmt: skip
    client = client_for(staff["service_manager"])
    assert client.get(reverse("complaints:detail", args=[elsewhere.pk])).status_code == 404
    assert client.post(reverse("complaints:move", args=[elsewhere.pk]), {"to": "contacted"}).status_code == 404
    assert elsewhere.number not in client.get(reverse("complaints:list")).content.decode()


def test_the_list_costs_a_fixed_number_of_queries(
    client_for, staff, store, make_complaint, django_assert_max_num_queries
):
    for index in range(12):
        vehicle = VehicleFactory(owner=CustomerFactory(store=store))
        make_complaint(customer=vehicle.owner, vehicle=vehicle, is_crisis=index % 3 == 0)
    client = client_for(staff["service_manager"])
    client.get(reverse("complaints:list"))  # warm the session and caches
    with django_assert_max_num_queries(12):
        response = client.get(reverse("complaints:list"))
    assert response.content.decode().count('href="/complaints/') >= 12
    with django_assert_max_num_queries(12):
        client.get(reverse("complaints:list"), headers={"HX-Request": "true"})


def test_the_list_filters_through_htmx_with_the_partial(client_for, staff, make_complaint):
    make_complaint(is_crisis=True)
    calm = make_complaint()
    response = client_for(staff["service_manager"]).get(
        reverse("complaints:list") + "?is_crisis=false", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert "<html" not in body and calm.number in body and body.count("complaints/") == 1


def test_the_opinions_report_exports_csv_with_an_audit_row(client_for, staff, complaint):
    client = client_for(staff["service_manager"])
    page = client.get(reverse("complaints:opinions") + "?status=open")
    assert page.status_code == 200 and complaint.number in page.content.decode()
    response = client.get(reverse("complaints:opinions") + "?status=open&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert complaint.number in content and "保养后发动机故障灯亮" in content
    assert AuditEntry.objects.filter(action="export", object_repr="complaints:opinions").exists()
    empty = client.get(reverse("complaints:opinions") + "?status=closed&format=csv")
    assert complaint.number not in b"".join(empty.streaming_content).decode("utf-8-sig")


def test_bad_filter_values_are_not_a_500(client_for, staff):
    client = client_for(staff["service_manager"])
    assert client.get(reverse("complaints:list") + "?since=notadate&status=nope&page=x").status_code == 200
    assert client.get(reverse("complaints:opinions") + "?until=2026-13-45").status_code == 200


def test_the_manager_changes_the_stores_deadlines(client_for, staff, store):
    client = client_for(staff["service_manager"])
    assert client.get(reverse("complaints:settings")).status_code == 200
    data = {"contact_within_minutes": 30, "crisis_contact_within_minutes": 20, "answer_within_hours": 48,
            "inform_within_hours": 24, "followup_after_hours": 24}  # fmt: skip
    saved = client.post(reverse("complaints:settings"), data)
    assert (saved.status_code, saved.url) == (302, reverse("complaints:settings"))
    assert store.complaint_settings.contact_within_minutes == 30
    assert client.post(reverse("complaints:settings"), {**data, "answer_within_hours": 0}).status_code == 200


def test_the_navigation_shows_complaints_to_the_front_desk_and_the_manager(client_for, staff):
    def top_bar_links(user):
        entries = client_for(user).get(reverse("home")).context["nav_entries"]
        return [link["url"] for entry in entries for link in entry.get("links", [entry])]

    assert reverse("complaints:list") in top_bar_links(staff["cashier"])
    assert reverse("complaints:list") in top_bar_links(staff["service_manager"])
    assert reverse("complaints:list") not in top_bar_links(staff["technician"])


def test_the_detail_page_renders_in_every_state(client_for, staff, make_complaint):
    from .test_services import _walk_to

    manager = staff["service_manager"]
    client = client_for(manager)
    for status in (Status.CONTACTED, Status.PLAN, Status.RESOLVED, Status.INFORMED, Status.CLOSED):
        complaint = _walk_to(make_complaint(is_crisis=status == Status.RESOLVED), status, manager)
        response = client.get(reverse("complaints:detail", args=[complaint.pk]))
        assert response.status_code == 200, status
        assert response.context["complaint"].status == status


def test_recording_can_start_from_a_customer(client_for, staff, vehicle):
    response = client_for(staff["advisor"]).get(reverse("complaints:create") + f"?customer={vehicle.owner_id}")
    assert response.status_code == 200 and vehicle.owner.number in response.content.decode()
    assert client_for(staff["advisor"]).get(reverse("complaints:create") + "?customer=abc").status_code == 200


def test_a_manager_of_two_stores_sees_which_store_each_cp000001_belongs_to(
    make_complaint, staff, store, other_store, client_for
):
    manager = UserFactory(username="area_manager")
    MembershipFactory(user=manager, store=None, group=store.group, role="service_manager")
    owner = CustomerFactory(store=other_store, name="赵六")
    ours = make_complaint()
    theirs = make_complaint(
        actor=manager, store=other_store, customer=owner, vehicle=VehicleFactory(owner=owner, plate="粤A66666")
    )
    assert ours.number == theirs.number  # numbers run per store

    client = client_for(manager)
    for url in (reverse("complaints:opinions"), reverse("complaints:list")):
        content = client.get(url).content.decode()
        labels = re.findall(r'data-testid="number-store"[^>]*>([^<]+)<', content)
        assert sorted(labels) == sorted([store.name, other_store.name]), url


def test_staff_of_one_store_see_numbers_without_a_store_label(make_complaint, staff, store, client_for):
    complaint = make_complaint()
    content = client_for(staff["service_manager"]).get(reverse("complaints:opinions")).content.decode()
    assert complaint.number in content and 'data-testid="number-store"' not in content


def test_the_complaint_pages_say_handler_deadline_and_channel_in_chinese(client_for, staff, complaint):
    client = client_for(staff["service_manager"])
    listing = client.get(reverse("complaints:list"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<th>处理人</th>" in listing and "车主" not in listing
    assert "未知" not in listing  # the yes/no filters start at 全部 (all)
    assert re.search(r'<option value="unknown" selected>全部</option>', listing)
    assert re.search(r'<option value="" selected>全部</option>', listing)
    detail = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "<th>期限</th>" in detail and "<th>完成时间</th>" in detail
    assert "未付" not in detail and "已完工" not in detail and "预约渠道" not in detail
    assert ">渠道</dt>" in detail and ">处理人</dt>" in detail


def test_a_manager_deletes_a_complaint_recorded_by_mistake_with_a_reason(staff, make_complaint, client_for):
    from aftercare.complaints.models import Complaint
    from aftercare.core.models import DeletedDocument

    complaint = make_complaint()
    url = reverse("core:document_delete", args=["complaint", complaint.pk])
    assert client_for(staff["advisor"]).post(url, {"reason": "重复"}).status_code == 403
    assert client_for(staff["service_manager"]).post(url, {"reason": "重复登记"}).status_code == 302
    assert not Complaint.objects.filter(pk=complaint.pk).exists()
    assert DeletedDocument.objects.get().snapshot["document"]["description"] == "等待时间过长"
