"""The audit trail: written by services, masked, append-only, browsable."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from aftercare.accounts import services as account_services
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.selectors import audit_rows
from aftercare.core.services import MoneyDocumentMixin, document_delete

pytestmark = pytest.mark.django_db


def test_changing_a_store_records_who_and_before_after(staff, store):
    account_services.store_update(actor=staff["admin"], store=store, name="天河旗舰店")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.UPDATE, object_type="core.store")
    assert entry.actor == staff["admin"]
    assert entry.store == store
    assert entry.changes == {"name": ["天河店", "天河旗舰店"]}


def test_personal_data_is_masked_in_the_trail(staff, store):
    user = account_services.user_create(
        actor=staff["admin"], store=store, username="newbie", password="Secret-pass-2026",
        role="advisor", full_name="李娜", mobile="13812345678",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action=AuditEntry.Action.CREATE, object_type="accounts.user", object_id=user.pk)
    assert entry.changes["mobile"] == [None, "138****5678"]
    assert "13812345678" not in str(entry.changes)


def test_a_change_without_permission_is_refused_and_leaves_no_trace(staff, store):
    with pytest.raises(PermissionDenied):
        account_services.store_update(actor=staff["advisor"], store=store, name="x")
    store.refresh_from_db()
    assert store.name == "天河店"
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.UPDATE).exists()


def test_audit_entries_can_be_neither_edited_nor_deleted(store):
    entry = audit_record(actor=None, action=AuditEntry.Action.UPDATE, obj=store)
    entry.reason = "tampered"
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.update(reason="x")


def test_deleting_a_document_needs_the_permission_and_a_reason_and_is_logged(staff, store):
    membership = staff["advisor"].memberships.get()
    with pytest.raises(PermissionDenied):
        document_delete(actor=staff["technician"], obj=membership, perm="repair_order.delete", reason="dup")
    with pytest.raises(ValidationError):
        document_delete(actor=staff["service_manager"], obj=membership, perm="repair_order.delete", reason=" ")
    document_delete(actor=staff["service_manager"], obj=membership, perm="repair_order.delete", reason="录入重复")
    entry = AuditEntry.objects.get(action=AuditEntry.Action.DELETE)
    assert entry.reason == "录入重复"
    assert entry.changes["role"] == ["advisor", None]
    assert entry.store == store


def test_money_documents_are_never_deleted(staff, store):
    class Payment(MoneyDocumentMixin):
        store_id = store.pk

    with pytest.raises(PermissionDenied):
        document_delete(actor=staff["service_manager"], obj=Payment(), perm="repair_order.delete", reason="x")


def test_managers_filter_the_trail_by_action_and_htmx_gets_only_the_table(staff, store, client_for):
    audit_record(actor=staff["advisor"], action=AuditEntry.Action.EXPORT, obj=store, object_repr="导出客户")
    audit_record(actor=staff["advisor"], action=AuditEntry.Action.UPDATE, obj=store, object_repr="改门店")
    client = client_for(staff["service_manager"])
    page = client.get(reverse("core:audit_list"), {"action": "export"}).content.decode()
    assert "导出客户" in page and "改门店" not in page
    fragment = client.get(reverse("core:audit_list"), {"action": "export"}, HTTP_HX_REQUEST="true").content.decode()
    assert "导出客户" in fragment and "<nav" not in fragment


def test_the_trail_shows_time_action_object_each_change_and_the_reason_escaped(staff, store, client_for):
    entry = audit_record(
        actor=staff["advisor"], action=AuditEntry.Action.UPDATE, obj=store, object_repr="改门店",
        changes={"name": ["<b>旧</b>", "新"]}, reason="更正",
    )  # fmt: skip
    with translation.override("en"):
        html = client_for(staff["service_manager"]).get(reverse("core:audit_list"), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert '<td data-testid="audit-document">store 改门店</td>' in html
    assert "<td>Changed</td>" in html and "<td>更正</td>" in html
    assert '<div><span class="text-secondary">name</span>: &lt;b&gt;旧&lt;/b&gt; → 新</div>' in html
    assert timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S") in html


def test_the_audit_page_runs_a_constant_number_of_queries(staff, store, client_for, django_assert_num_queries):
    client = client_for(staff["service_manager"])
    for n in range(30):
        audit_record(actor=staff["advisor"], action=AuditEntry.Action.UPDATE, obj=store, object_repr=f"row {n}")
    client.get(reverse("core:audit_list"))  # the first request of a session stores the current store in it
    # session, user, memberships, current store, one page of entries with their stores (no COUNT),
    # the stores to filter by
    with django_assert_num_queries(6):
        assert client.get(reverse("core:audit_list")).status_code == 200


def test_the_trail_reads_as_a_document_with_labelled_fields_local_times_and_readable_values(staff, store):
    """What a survey or appointment service writes (ids, ISO times in UTC, choice values, dicts)
    reads as the pages would print it, in the reader's language."""
    technician = staff["technician"]
    appointment = AuditEntry(
        action=AuditEntry.Action.CREATE, object_type="appointments.appointment", object_id="15",
        object_repr="AP0000015", store=store,
        changes={
            "id": [None, 15], "created_at": [None, "2026-12-06T02:31:28+00:00"], "store_id": [None, store.pk],
            "cancel_reason": [None, ""], "channel": [None, "wechat"], "status": [None, "booked"],
            "start_at": [None, "2026-12-10T05:00:00+00:00"], "estimated_price": [None, "1050.00"],
            "estimated_hours": [None, "2.50"], "technician_id": [None, technician.pk],
        },
    )  # fmt: skip
    order = AuditEntry(
        action=AuditEntry.Action.UPDATE, object_type="service.repairorder", object_id="101", object_repr="RO0000049",
        changes={
            "dispatch": [{"technician": None, "bay": None},
                         {"technician": technician.pk, "required_finish_at": "2026-12-06T07:50:00+00:00"}],
            "return_old_parts": [False, True], "additional_work": ["更换制动液", "approved"],
        },
    )  # fmt: skip
    response = AuditEntry(action=AuditEntry.Action.CREATE, object_type="surveys.surveyresponse", object_id="55")
    task = AuditEntry(
        action=AuditEntry.Action.UPDATE, object_type="followups.followuptask", object_id="9",
        changes={"owner_role": ["", "customer_care"]},
    )  # fmt: skip
    with translation.override("zh-hans"):
        rows = audit_rows([appointment, order, response, task])
        shown = [(row.document, [(c.label, c.before, c.after) for c in row.changes]) for row in rows]
    assert shown[0] == ("预约 AP0000015", [
        ("预约渠道", "—", "微信"), ("状态", "—", "已预约"), ("开始时间", "—", "2026-12-10 13:00"),
        ("预估工时费", "—", "¥1,050.00"), ("FRT工时", "—", "2.50"), ("技师", "—", str(technician)),
    ])  # fmt: skip
    assert shown[1] == ("工单 RO0000049", [
        ("派工", "—", f"维修技师: {technician}, 要求完工时间: 2026-12-06 15:50"),
        ("旧件返还客户", "否", "是"), ("追加项目", "更换制动液", "已同意"),
    ])  # fmt: skip
    assert shown[2] == ("调查答卷 #55", [])
    assert shown[3][1] == [("负责岗位", "—", "客户专员")]


def test_the_trail_page_speaks_chinese_and_names_staff_in_one_query(
    staff, store, client_for, django_assert_num_queries
):
    client = client_for(staff["service_manager"])
    for n in range(30):
        audit_record(
            actor=staff["advisor"], action=AuditEntry.Action.UPDATE, obj=store, object_repr=f"row {n}",
            changes={"owner": [None, staff["advisor"].pk], "created": [0, n]},
        )  # fmt: skip
    client.get(reverse("core:audit_list"))
    # as test_the_audit_page_runs_a_constant_number_of_queries, and the staff named in the changes
    with django_assert_num_queries(7):
        html = client.get(reverse("core:audit_list")).content.decode()
    assert f"处理人</span>: — → {staff['advisor']}" in html
    assert "<code>" not in html and "None" not in html


def test_the_trail_names_documents_the_reader_may_see_and_only_those(staff, store, other_store):
    from aftercare.tests.factories import CustomerFactory

    ours = CustomerFactory(store=store, name="张三")
    theirs = CustomerFactory(store=other_store, name="李四")
    entries = [
        AuditEntry(action=AuditEntry.Action.CREATE, object_type="complaints.complaint", object_id="1",
                   object_repr="CP000001", changes={"customer": [None, customer.pk]})
        for customer in (ours, theirs)
    ] + [AuditEntry(action=AuditEntry.Action.UPDATE, object_repr="followups:escalated",
                    changes={"escalated": [[], [6, 7, 8]]})]  # fmt: skip
    with translation.override("zh-hans"):
        rows = audit_rows(entries, staff["service_manager"])
    assert [(c.label, c.after) for c in rows[0].changes] == [("客户", str(ours))]
    assert [(c.label, c.after) for c in rows[1].changes] == [("客户", f"#{theirs.pk}")]  # another store's customer
    assert rows[2].document == "逾期回访已升级" and rows[2].changes[0].after == "3 条回访"
