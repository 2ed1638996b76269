import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aftercare.core.models import AuditEntry
from aftercare.customers import services
from aftercare.customers.models import ClassChange, Customer, SearchKey, Vehicle
from aftercare.customers.selectors import has_consent
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db
GOOD_VIN = "1M8GDM9AXKP042788"


def _vehicle_data(**overrides):
    return {"plate": "粤A88888", "vin": GOOD_VIN, "brand": "广汽本田", "model": "雅阁", **overrides}


def test_creating_a_customer_numbers_it_normalises_the_mobile_and_audits(staff, store):
    customer = services.customer_create(
        actor=staff["advisor"], store=store, data={"name": "李娜", "mobile": "+86 139-0000-1111"}
    )
    assert customer.number == "C000001"
    assert customer.mobile == "13900001111"
    entry = AuditEntry.objects.get(action="create", object_type="customers.customer")
    assert entry.changes["mobile"] == [None, "139****1111"]


def test_a_duplicate_mobile_is_shown_with_a_link_unless_confirmed_as_shared(staff, store):
    first = services.customer_create(
        actor=staff["advisor"], store=store, data={"name": "李娜", "mobile": "13900001111"}
    )
    with pytest.raises(ValidationError) as error:
        services.customer_create(actor=staff["advisor"], store=store, data={"name": "王强", "mobile": "139 0000 1111"})
    assert f"/customers/{first.pk}/" in error.value.message_dict["mobile"][0]
    services.customer_create(
        actor=staff["advisor"], store=store, data={"name": "王强", "mobile": "13900001111"}, allow_shared_mobile=True
    )
    assert Customer.objects.filter(mobile="13900001111").count() == 2


def test_creating_a_person_runs_a_pinned_number_of_queries(staff, store, django_assert_num_queries):
    advisor = staff["advisor"]
    services.customer_create(actor=advisor, store=store, data={"name": "李娜", "mobile": "13900001111"})
    # Savepoint, the duplicate-mobile check, the number, the customer, the audit row, release.
    with django_assert_num_queries(6):
        services.customer_create(actor=advisor, store=store, data={"name": "王强", "mobile": "13900002222"})
    # A number the user confirmed as shared is not looked up.
    with django_assert_num_queries(5):
        services.customer_create(
            actor=advisor, store=store, data={"name": "王芳", "mobile": "13900002222"}, allow_shared_mobile=True
        )


def test_a_new_company_is_found_by_fragments_of_its_name_and_a_person_gets_no_keys(staff, store):
    company = services.customer_create(
        actor=staff["advisor"],
        store=store,
        data={"kind": "company", "name": "白云出租汽车公司", "mobile": "13900003333"},
    )
    person = services.customer_create(
        actor=staff["advisor"], store=store, data={"name": "李娜", "mobile": "13900004444"}
    )
    assert SearchKey.objects.filter(customer=company, key="出租汽车公司").exists()
    assert not SearchKey.objects.filter(customer=person).exists()


def test_a_duplicate_vin_or_plate_in_use_is_refused_with_a_link(staff, store):
    owner = CustomerFactory(store=store)
    existing = services.vehicle_create(actor=staff["advisor"], store=store, owner=owner, data=_vehicle_data())
    with pytest.raises(ValidationError) as error:
        services.vehicle_create(
            actor=staff["advisor"],
            store=store,
            owner=owner,
            data=_vehicle_data(plate="粤A88888", vin="LHGCV1659RA012345"),
        )
    assert f"/vehicles/{existing.pk}/" in error.value.message_dict["plate"][0]
    with pytest.raises(ValidationError) as error:
        services.vehicle_create(actor=staff["advisor"], store=store, owner=owner, data=_vehicle_data(plate="粤A66666"))
    assert "vin" in error.value.message_dict


def test_a_scrapped_vehicle_gives_its_plate_up(staff, store):
    owner = CustomerFactory(store=store)
    old = services.vehicle_create(actor=staff["advisor"], store=store, owner=owner, data=_vehicle_data())
    services.vehicle_update(actor=staff["advisor"], vehicle=old, data={"is_active": False, "vin": GOOD_VIN})
    services.vehicle_create(
        actor=staff["advisor"], store=store, owner=owner, data=_vehicle_data(vin="LHGCV1659RA012345")
    )
    assert Vehicle.objects.filter(plate="粤A88888").count() == 2
    assert SearchKey.objects.filter(vehicle=old).count() == 0


def test_an_imported_vehicle_may_keep_a_vin_without_a_valid_check_digit(staff, store):
    owner = CustomerFactory(store=store)
    vehicle = services.vehicle_create(
        actor=staff["advisor"],
        store=store,
        owner=owner,
        data=_vehicle_data(vin="1M8GDM9A1KP042788", vin_check_digit_waived=True),
    )
    assert vehicle.vin_check_digit_waived


def test_a_lower_odometer_reading_needs_a_correction_reason(staff, store):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store))
    services.odometer_record(actor=staff["advisor"], vehicle=vehicle, km=52000)
    with pytest.raises(ValidationError):
        services.odometer_record(actor=staff["advisor"], vehicle=vehicle, km=25000)
    reading = services.odometer_record(
        actor=staff["advisor"], vehicle=vehicle, km=25000, correction_reason="上次多录了一位"
    )
    vehicle.refresh_from_db()
    assert (vehicle.odometer_km, reading.source) == (25000, "correction")


def test_changing_the_abc_class_needs_a_reason_and_is_kept_for_reports(staff, store):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), abc_class="B")
    with pytest.raises(ValidationError):
        services.vehicle_update(actor=staff["advisor"], vehicle=vehicle, data={"abc_class": "A", "vin": vehicle.vin})
    services.vehicle_update(
        actor=staff["advisor"],
        vehicle=vehicle,
        data={"abc_class": "A", "vin": vehicle.vin},
        class_change_reason="年消费超过1万",
    )
    change = ClassChange.objects.get()
    assert (change.old_value, change.new_value, change.reason) == ("B", "A", "年消费超过1万")


def test_a_vehicle_changes_owner_and_keeps_its_history(staff, store):
    vehicle = services.vehicle_create(
        actor=staff["advisor"], store=store, owner=CustomerFactory(store=store), data=_vehicle_data()
    )
    buyer = CustomerFactory(store=store, name="新车主")
    services.vehicle_transfer(actor=staff["advisor"], vehicle=vehicle, new_owner=buyer)
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer
    assert [o.ended_at is None for o in vehicle.ownerships.all()] == [True, False]


def test_marketing_needs_consent_and_a_withdrawal_takes_effect_at_once(staff, store):
    customer = CustomerFactory(store=store)
    assert has_consent(customer, "service") is True
    assert has_consent(customer, "marketing_sms") is False
    services.consent_record(
        actor=staff["customer_care"], customer=customer, purpose="marketing_sms", granted=True, channel="paper"
    )
    assert has_consent(customer, "marketing_sms") is True
    services.consent_record(
        actor=staff["customer_care"], customer=customer, purpose="marketing_sms", granted=False, channel="phone"
    )
    assert has_consent(customer, "marketing_sms") is False
    assert customer.consents.count() == 2  # the history stays


def test_merging_moves_vehicles_and_history_and_is_audited(staff, store):
    keep = CustomerFactory(store=store, name="张三", mobile="13812345678")
    dup = CustomerFactory(store=store, name="张三", mobile="13812345679", wechat_id="zs_wx")
    vehicle = VehicleFactory(owner=dup)
    result = services.customer_merge(actor=staff["service_manager"], keep=keep, merge=dup)
    vehicle.refresh_from_db()
    keep.refresh_from_db()
    assert vehicle.owner == keep and result.vehicles_moved == 1
    assert keep.wechat_id == "zs_wx"
    dup.refresh_from_db()
    assert dup.merged_into == keep
    entry = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(keep.pk)).latest("id")
    assert entry.changes["moved_vehicles"] == [None, [vehicle.pk]]


def test_only_managers_merge_and_never_across_stores(staff, store, other_store):
    a, b = CustomerFactory(store=store), CustomerFactory(store=store)
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=staff["advisor"], keep=a, merge=b)
    with pytest.raises(ValidationError):
        services.customer_merge(actor=staff["service_manager"], keep=a, merge=CustomerFactory(store=other_store))


def test_revealing_a_number_is_logged_and_needs_the_permission(staff, store):
    customer = CustomerFactory(store=store, mobile="13812345678")
    assert services.contact_reveal(actor=staff["advisor"], customer=customer) == "13812345678"
    assert AuditEntry.objects.filter(action="reveal", object_id=str(customer.pk)).count() == 1
    with pytest.raises(PermissionDenied):
        services.contact_reveal(actor=staff["technician"], customer=customer)


def test_next_maintenance_comes_from_the_cycle_and_the_last_service(store):
    import datetime as dt

    vehicle = VehicleFactory(owner=CustomerFactory(store=store), maintenance_months=6, maintenance_km=5000,
                             last_service_at=dt.date(2026, 8, 31), last_service_km=41000)  # fmt: skip
    assert vehicle.next_service_due() == (dt.date(2027, 2, 28), 46000)


def test_a_merge_is_undone_from_its_audit_record(staff, store):
    keep = CustomerFactory(store=store, name="张三", mobile="13812345678")
    dup = CustomerFactory(store=store, name="张三", mobile="13812345679", wechat_id="zs_wx")
    vehicle = VehicleFactory(owner=dup)
    services.consent_record(
        actor=staff["advisor"], customer=dup, purpose="marketing_sms", granted=True, channel="paper"
    )
    services.customer_merge(actor=staff["service_manager"], keep=keep, merge=dup)

    services.customer_merge_undo(actor=staff["service_manager"], merged=dup)

    vehicle.refresh_from_db()
    keep.refresh_from_db()
    dup.refresh_from_db()
    assert vehicle.owner == dup
    assert dup.merged_into is None
    assert keep.wechat_id == ""
    assert dup.consents.count() == 1 and keep.consents.count() == 0
    with pytest.raises(ValidationError):
        services.customer_merge_undo(actor=staff["service_manager"], merged=dup)


def test_undoing_a_merge_leaves_a_vehicle_that_changed_hands_since(staff, store):
    keep, dup = CustomerFactory(store=store), CustomerFactory(store=store)
    vehicle = VehicleFactory(owner=dup)
    services.customer_merge(actor=staff["service_manager"], keep=keep, merge=dup)
    buyer = CustomerFactory(store=store)
    services.vehicle_transfer(actor=staff["advisor"], vehicle=vehicle, new_owner=buyer)
    services.customer_merge_undo(actor=staff["service_manager"], merged=dup)
    vehicle.refresh_from_db()
    assert vehicle.owner == buyer


def test_without_a_maintenance_on_file_the_next_one_is_the_next_round_interval(store):
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), maintenance_km=5000, odometer_km=30500)
    assert vehicle.next_service_due()[1] == 35000
