"""The repair-order export: a date range of the list, as CSV or xlsx, masked, scoped and audited."""

import csv
import io
from datetime import UTC, date, datetime, time
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from aftercare.accounts.roles import ROLE_PERMISSIONS, Role
from aftercare.catalog.models import RepairType
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.service import exports
from aftercare.service.choices import LineKind, LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.tests.factories import CustomerFactory, MembershipFactory, UserFactory, VehicleFactory, catalog_for

pytestmark = pytest.mark.django_db

MARCH = {"since": "2026-03-01", "until": "2026-03-31"}
COLUMN = {name: index for index, name in enumerate(exports.HEADERS)}


@pytest.fixture(autouse=True)
def english(settings):
    """Status labels and messages asserted in English, whatever the translations say."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue(store, other_store):
    catalog_for(store)  # the group's defaults serve the other store too


def _at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


_numbers = iter(range(1, 10_000))


def _order(store, advisor, *, opened: datetime, mobile: str | None = None, plate: str | None = None,
           status: str = Status.DELIVERED, lines: int = 2, declined: int = 0, **totals) -> RepairOrder:  # fmt: skip
    """An order made directly (the services stamp opened_at with now), with `lines` approved
    and `declined` declined lines."""
    owner = CustomerFactory(store=store, name="李娜", **({"mobile": mobile} if mobile else {}))
    vehicle = VehicleFactory(owner=owner, **({"plate": plate} if plate else {}))
    order = RepairOrder.objects.create(
        store=store, number=f"RO{next(_numbers):07d}", status=status, customer=owner, vehicle=vehicle,
        advisor=advisor, repair_type=RepairType.objects.effective_for_store(store).get(code="periodic"),
        odometer_km=23_456, opened_at=opened, closed_at=opened.replace(hour=17) if status == Status.DELIVERED else None,
        **totals,
    )  # fmt: skip
    RepairOrderLine.objects.bulk_create(
        RepairOrderLine(repair_order=order, kind=LineKind.PART, status=line_status, description="机油",
                        unit_price=Decimal("100.00"), amount=Decimal("100.00"))
        for line_status in [LineStatus.APPROVED] * lines + [LineStatus.DECLINED] * declined
    )  # fmt: skip
    return order


def _csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [tuple(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def _export(client, fmt="csv", **params):
    return client.get(reverse("service:repair_order_export", args=[fmt]), params)


def _numbers_of(rows) -> list[str]:
    return [row[COLUMN["作业单号"]] for row in rows[1:]]


@pytest.fixture
def manager(staff, client_for):
    return client_for(staff["service_manager"])


@pytest.fixture
def manager_without_reveal(monkeypatch):
    """Every role with DATA_EXPORT also has CONTACT_REVEAL today; masking in
    exports must still hold if the matrix changes, so take it away here."""
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.SERVICE_MANAGER, ROLE_PERMISSIONS[Role.SERVICE_MANAGER] - {Perm.CONTACT_REVEAL}
    )


# --- rows -------------------------------------------------------------------------------------------


def test_the_manager_exports_the_orders_opened_in_the_range_one_row_each_oldest_first(staff, store, catalogue, manager):
    advisor = staff["advisor"]
    late = _order(store, advisor, opened=_at(date(2026, 3, 31), 16, 55), mobile="13900001111", plate="粤A12345",
                  lines=3, declined=1, labour_total=Decimal("120.00"), parts_total=Decimal("300.50"),
                  other_total=Decimal("10.00"), discount_total=Decimal("30.50"), total=Decimal("400.00"),
                  customer_total=Decimal("400.00"))  # fmt: skip
    early = _order(store, advisor, opened=_at(date(2026, 3, 1), 0, 0), status=Status.IN_PROGRESS)
    _order(store, advisor, opened=_at(date(2026, 2, 28), 23, 59))  # local dates: the minute before
    _order(store, advisor, opened=_at(date(2026, 4, 1), 0, 0))  # and the first minute after

    response = _export(manager, **MARCH)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "20260301-20260331.csv" in response["Content-Disposition"]
    rows = _csv_rows(response)
    assert rows[0] == list(exports.HEADERS)
    assert _numbers_of(rows) == [early.number, late.number]
    row = dict(zip(exports.HEADERS, rows[2], strict=True))
    assert row == {
        "门店": store.name, "作业单号": late.number, "开单时间": "2026-03-31 16:55:00",
        "关闭时间": "2026-03-31 17:55:00", "状态": "Delivered", "修理种类": late.repair_type.name,
        "服务顾问": advisor.full_name, "车牌": "粤A12345",
        "VIN": late.vehicle.vin, "客户姓名": "李娜", "手机": "13900001111", "里程（km）": "23456",
        "工时费": "120.00", "零件费": "300.50", "其它费用": "10.00", "折扣": "30.50", "合计": "400.00",
        "客户自付": "400.00", "项目数": "3",
    }  # fmt: skip
    assert dict(zip(exports.HEADERS, rows[1], strict=True))["关闭时间"] == ""  # still open


def test_the_xlsx_export_opens_with_local_times_numbers_and_amounts(staff, store, catalogue, manager):
    order = _order(store, staff["advisor"], opened=_at(date(2026, 3, 9), 10, 5), total=Decimal("1234.56"))

    response = _export(manager, "xlsx", **MARCH)

    assert response.status_code == 200
    rows = _xlsx_rows(response)
    assert rows[0] == exports.HEADERS
    row = dict(zip(exports.HEADERS, rows[1], strict=True))
    assert row["作业单号"] == order.number
    assert row["开单时间"] == datetime(2026, 3, 9, 10, 5)
    assert row["合计"] == pytest.approx(1234.56)
    assert (row["里程（km）"], row["项目数"]) == (23456, 2)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_times_are_local_and_cut_to_the_second_across_a_change_to_summer_time(
    settings, staff, store, catalogue, manager, fmt
):
    settings.TIME_ZONE = "Europe/Berlin"
    # 01:59:59.999999 winter time, the instant before the clocks go forward; closed at 17:59 UTC, summer time.
    _order(store, staff["advisor"], opened=datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC))

    rows = (_csv_rows if fmt == "csv" else _xlsx_rows)(_export(manager, fmt, **MARCH))

    times = (rows[1][COLUMN["开单时间"]], rows[1][COLUMN["关闭时间"]])
    expected = (datetime(2026, 3, 29, 1, 59, 59), datetime(2026, 3, 29, 19, 59, 59))
    assert times == (tuple(str(moment) for moment in expected) if fmt == "csv" else expected)


def test_amounts_are_exported_as_the_orders_decimals(staff, store, catalogue, manager):
    amounts = {
        "labour_total": Decimal("0.10"), "parts_total": Decimal("9999999999.99"), "other_total": Decimal("1.05"),
        "discount_total": Decimal("0"), "total": Decimal("1234.5"), "customer_total": Decimal("1000"),
    }  # fmt: skip
    _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)), **amounts)

    csv_row, xlsx_row = _csv_rows(_export(manager, **MARCH))[1], _xlsx_rows(_export(manager, "xlsx", **MARCH))[1]

    columns = [COLUMN[name] for name in ("工时费", "零件费", "其它费用", "折扣", "合计", "客户自付")]
    assert [csv_row[c] for c in columns] == ["0.10", "9999999999.99", "1.05", "0.00", "1234.50", "1000.00"]
    assert [xlsx_row[c] for c in columns] == [pytest.approx(float(amount)) for amount in amounts.values()]


def test_rows_beyond_one_chunk_are_all_exported_once_even_when_orders_share_an_opening_time(
    staff, store, catalogue, manager, monkeypatch
):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 2)
    same_minute = [_order(store, staff["advisor"], opened=_at(date(2026, 3, 2))) for _ in range(5)]
    later = _order(store, staff["advisor"], opened=_at(date(2026, 3, 3)))

    rows = _csv_rows(_export(manager, **MARCH))

    assert _numbers_of(rows) == [order.number for order in [*same_minute, later]]


def test_without_dates_the_export_holds_this_month(staff, store, catalogue, manager):
    with time_machine.travel(_at(date(2026, 5, 20), 12)):
        this_month = _order(store, staff["advisor"], opened=_at(date(2026, 5, 1), 8))
        _order(store, staff["advisor"], opened=_at(date(2026, 4, 30), 16))
        response = _export(manager)
        assert "20260501-20260531.csv" in response["Content-Disposition"]
        assert _numbers_of(_csv_rows(response)) == [this_month.number]


def test_the_export_follows_the_list_filters(staff, store, catalogue, manager):
    delivered = _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)), plate="粤B77777")
    in_progress = _order(store, staff["advisor"], opened=_at(date(2026, 3, 3)), status=Status.IN_PROGRESS)

    assert _numbers_of(_csv_rows(_export(manager, status="delivered", **MARCH))) == [delivered.number]
    assert _numbers_of(_csv_rows(_export(manager, q="B777", **MARCH))) == [delivered.number]
    assert _numbers_of(_csv_rows(_export(manager, status="open", **MARCH))) == [in_progress.number]


# --- masking, scoping, permission ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exporter_without_contact_reveal_gets_masked_mobiles(
    staff, store, catalogue, manager, manager_without_reveal, fmt
):
    _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)), mobile="13900001111")

    rows = (_csv_rows if fmt == "csv" else _xlsx_rows)(_export(manager, fmt, **MARCH))

    assert rows[1][COLUMN["手机"]] == "139****1111"
    assert "13900001111" not in str(rows)
    assert AuditEntry.objects.get(action="export").changes["contacts_masked"] == [None, True]


def test_a_user_with_roles_in_two_stores_sees_full_mobiles_only_where_allowed(
    staff, store, other_store, catalogue, client_for, manager_without_reveal
):
    user = UserFactory(username="two-stores")
    MembershipFactory(user=user, store=store, role=Role.SERVICE_MANAGER)
    MembershipFactory(user=user, store=store, role=Role.ADVISOR)  # reveals contacts here
    MembershipFactory(user=user, store=other_store, role=Role.SERVICE_MANAGER)
    _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)), mobile="13900001111")
    _order(other_store, staff["advisor"], opened=_at(date(2026, 3, 3)), mobile="13900002222")

    rows = _csv_rows(_export(client_for(user), **MARCH))

    assert [row[COLUMN["手机"]] for row in rows[1:]] == ["13900001111", "139****2222"]
    masked = dict(AuditEntry.objects.filter(action="export").values_list("store_id", "changes__contacts_masked"))
    assert masked == {store.pk: [None, False], other_store.pk: [None, True]}


def test_orders_of_a_store_where_the_user_may_not_export_are_never_exported(
    staff, store, other_store, catalogue, manager
):
    ours = _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)))
    _order(other_store, staff["advisor"], opened=_at(date(2026, 3, 2)))
    # A technician role there lets the manager see that store's orders, but not export them.
    MembershipFactory(user=staff["service_manager"], store=other_store, role=Role.TECHNICIAN)

    assert _numbers_of(_csv_rows(_export(manager, **MARCH))) == [ours.number]
    assert list(AuditEntry.objects.filter(action="export").values_list("store_id", flat=True)) == [store.pk]


@pytest.mark.parametrize("role", ["advisor", "technician", "cashier", "customer_care"])
def test_exporting_needs_data_export(staff, client_for, role):
    assert _export(client_for(staff[role]), **MARCH).status_code == 403
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_list_shows_the_export_control_only_to_those_who_may_export(staff, client_for):
    url = reverse("service:repair_order_export", args=["xlsx"])
    assert url in client_for(staff["service_manager"]).get(reverse("service:repair_order_list")).content.decode()
    assert url not in client_for(staff["advisor"]).get(reverse("service:repair_order_list")).content.decode()


# --- the range ---------------------------------------------------------------------------------------


def test_a_range_longer_than_366_days_gets_a_form_error_and_exports_nothing(staff, store, catalogue, manager):
    _order(store, staff["advisor"], opened=_at(date(2026, 3, 2)))

    response = _export(manager, since="2025-01-01", until="2026-03-31", status="delivered")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "at most 366 days" in page
    assert 'name="status" value="delivered"' in page  # the list's filters are kept for the retry
    assert not AuditEntry.objects.filter(action="export").exists()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, (date(2026, 5, 1), date(2026, 5, 31))),
        ({"since": "2026-04-10"}, (date(2026, 4, 10), date(2026, 5, 20))),
        ({"until": "2026-02-14"}, (date(2026, 2, 1), date(2026, 2, 14))),
    ],
)
def test_a_missing_date_defaults_to_this_month_today_or_the_first_of_the_month(given, expected):
    with time_machine.travel(_at(date(2026, 5, 20), 12)):
        form = exports.ExportForm(given)
        assert form.is_valid(), form.errors
    assert (form.cleaned_data["since"], form.cleaned_data["until"]) == expected


def test_a_whole_year_is_allowed(staff, store, catalogue, manager):
    assert _export(manager, since="2024-01-01", until="2024-12-31").status_code == 200  # 366 days: a leap year


def test_to_before_from_is_a_form_error(manager):
    response = _export(manager, since="2026-03-31", until="2026-03-01")
    assert response.status_code == 400
    assert "To must be on or after From." in response.content.decode()


def test_an_unknown_format_is_not_found(manager):
    assert _export(manager, "pdf", **MARCH).status_code == 404


# --- cost and audit ------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_rows(staff, store, catalogue, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(exports, "CHUNK_SIZE", 4)

    def export() -> list[list[str]]:
        user = type(staff["service_manager"]).objects.get(pk=staff["service_manager"].pk)  # no cached roles
        # memberships, rows per store, the audit row, the rows (one query, read in chunks)
        with django_assert_num_queries(4):
            response = exports.export_repair_orders(
                user=user, fmt="csv", since=date(2026, 3, 1), until=date(2026, 3, 31)
            )
            return _csv_rows(response)

    for day in range(1, 4):
        _order(store, staff["advisor"], opened=_at(date(2026, 3, day)))
    assert len(export()) == 1 + 3
    for day in range(1, 28):
        _order(store, staff["advisor"], opened=_at(date(2026, 3, day), 11))
    assert len(export()) == 1 + 30


def test_each_export_writes_one_audit_row_per_store_with_its_rows(staff, store, other_store, catalogue, manager):
    MembershipFactory(user=staff["service_manager"], store=other_store, role=Role.SERVICE_MANAGER)
    for day in (2, 3):
        _order(store, staff["advisor"], opened=_at(date(2026, 3, day)))
    _order(other_store, staff["advisor"], opened=_at(date(2026, 3, 4)))

    _export(manager, "xlsx", **MARCH)

    entries = AuditEntry.objects.filter(action="export").order_by("store_id")
    assert [(e.store_id, e.actor_id, e.changes["rows"], e.changes["rows_in_export"]) for e in entries] == [
        (store.pk, staff["service_manager"].pk, [None, 2], [None, 3]),
        (other_store.pk, staff["service_manager"].pk, [None, 1], [None, 3]),
    ]
    assert entries[0].changes["export_format"] == [None, "xlsx"]
    assert (entries[0].changes["opened_from"], entries[0].changes["opened_to"]) == (
        [None, "2026-03-01"],
        [None, "2026-03-31"],
    )
