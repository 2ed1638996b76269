"""Dates and times survive an edit in every language: every date, date-time and
time input is the browser's picker, filled in the one format the picker reads
(core.forms.StyledFormMixin), so a form saved untouched changes nothing."""

import copy
import importlib
from datetime import date, time

import pytest
from django import forms
from django.apps import apps
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import translation

from aftercare.core.forms import StyledFormMixin
from aftercare.core.models import Store
from aftercare.customers.models import Customer, Vehicle
from aftercare.tests.browser_forms import input_type, submitted
from aftercare.tests.factories import CustomerFactory, VehicleFactory

pytestmark = pytest.mark.django_db

TEMPORAL = (forms.DateField, forms.DateTimeField, forms.TimeField)
PICKER = {forms.DateField: "date", forms.DateTimeField: "datetime-local", forms.TimeField: "time"}
SAMPLE = {forms.DateField: "2022-03-14", forms.DateTimeField: "2022-03-14T09:05", forms.TimeField: "08:30"}


def _project_forms() -> set[type]:
    for app in apps.get_app_configs():
        if app.name.startswith("aftercare."):
            for module in ("forms", "filters", "exports"):
                try:
                    importlib.import_module(f"{app.name}.{module}")
                except ModuleNotFoundError:
                    pass
    found, todo = set(), [StyledFormMixin]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.add(sub)
            todo.append(sub)
    return found


def _temporal_fields(form_class) -> dict[str, forms.Field]:
    return {
        name: field for name, field in getattr(form_class, "base_fields", {}).items() if isinstance(field, TEMPORAL)
    }


FORMS_WITH_DATES = sorted(
    ((cls, name) for cls in _project_forms() for name in _temporal_fields(cls)),
    key=lambda pair: (pair[0].__module__, pair[0].__qualname__, pair[1]),
)


def test_the_project_has_forms_with_dates_to_check():
    assert len(FORMS_WITH_DATES) >= 15


@pytest.mark.parametrize(
    ("form_class", "name"), FORMS_WITH_DATES, ids=[f"{c.__qualname__}.{n}" for c, n in FORMS_WITH_DATES]
)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_date_and_time_input_is_filled_in_the_format_its_picker_reads(form_class, name, language):
    field = copy.deepcopy(form_class.base_fields[name])
    kind = next(k for k in (forms.DateTimeField, forms.DateField, forms.TimeField) if isinstance(field, k))
    sample, picker = SAMPLE[kind], PICKER[kind]
    if getattr(field.widget, "input_type", None) == "month":  # a month, e.g. the reports' period
        sample, picker = "2022-03", "month"
    # The same field, on a form built by the same mixin as the real one.
    form = type("Probe", (StyledFormMixin, forms.Form), {name: field})(initial={name: field.to_python(sample)})
    with translation.override(language):
        html = str(form[name])
    assert input_type(f"<form>{html}</form>", name) == picker
    assert submitted(f"<form>{html}</form>", having=name)[name] == sample


def test_a_filter_sets_dates_are_pickers_too(staff):
    from aftercare.service.filters import RepairOrderFilterSet

    filters = RepairOrderFilterSet({"since": "2022-03-14"}, queryset=None)
    with translation.override("zh-hans"):
        html = f"<form>{filters.form['since']}</form>"
    assert submitted(html, having="since")["since"] == "2022-03-14"


# --- a page saved as rendered writes nothing -------------------------------------------

MODEL_FORMS_WITH_DATES = {
    cls.__qualname__ for cls in _project_forms() if issubclass(cls, forms.ModelForm) and _temporal_fields(cls)
}
ROUND_TRIPPED = {
    "CustomerForm", "VehicleForm", "StoreForm", "TierRuleForm", "SettingsForm", "PolicyForm",
    "ExtendedWarrantyForm", "CampaignForm",
}  # fmt: skip


def test_every_model_form_with_dates_has_a_round_trip_test_below():
    assert MODEL_FORMS_WITH_DATES <= ROUND_TRIPPED


def _saved_untouched(client, url: str, having: str):
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert page.headers["Content-Language"] == "zh-hans"
    data = submitted(page.content.decode(), having=having)
    answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 302, answer.content.decode()[:2000]


def _fields(obj, names) -> dict:
    obj.refresh_from_db()
    return model_to_dict(obj, fields=names)


def test_saving_a_vehicle_untouched_in_chinese_changes_none_of_its_dates(staff, store, client_for):
    vehicle = VehicleFactory(
        owner=CustomerFactory(store=store), purchase_date=date(2022, 3, 14), insurance_expiry=date(2027, 3, 13),
        inspection_due=date(2026, 3, 31), warranty_start=date(2022, 3, 14), warranty_end=date(2025, 3, 13),
    )  # fmt: skip
    names = [f.name for f in Vehicle._meta.concrete_fields if f.name not in ("updated_at", "vin_rev")]
    before = _fields(vehicle, names)

    _saved_untouched(client_for(staff["advisor"]), reverse("customers:vehicle_edit", args=[vehicle.pk]), "vin")

    assert _fields(vehicle, names) == before
    assert before["purchase_date"] == date(2022, 3, 14)


def test_saving_a_customer_untouched_in_chinese_keeps_the_birthday(staff, store, client_for):
    customer = CustomerFactory(store=store, birthday=date(1985, 11, 2), email="zhang@example.cn")
    names = [f.name for f in Customer._meta.concrete_fields if f.name not in ("updated_at",)]
    before = _fields(customer, names)

    _saved_untouched(client_for(staff["advisor"]), reverse("customers:customer_edit", args=[customer.pk]), "mobile")

    assert _fields(customer, names) == before
    assert before["birthday"] == date(1985, 11, 2)


def test_saving_a_store_untouched_in_chinese_keeps_its_opening_hours(staff, store, client_for):
    Store.objects.filter(pk=store.pk).update(opens_at=time(8, 30), closes_at=time(18, 0))
    names = ["name", "address", "phone", "rescue_phone", "opens_at", "closes_at", "is_active"]
    before = _fields(store, names)

    _saved_untouched(client_for(staff["admin"]), reverse("accounts:store_detail", args=[store.pk]), "opens_at")

    assert _fields(store, names) == before == {**before, "opens_at": time(8, 30), "closes_at": time(18, 0)}


def test_a_date_the_user_clears_is_still_cleared(staff, store, client_for):
    # The other half of the rule: the picker's value is what the user chose, empty included.
    vehicle = VehicleFactory(owner=CustomerFactory(store=store), warranty_end=date(2025, 3, 13))
    client = client_for(staff["advisor"])
    url = reverse("customers:vehicle_edit", args=[vehicle.pk])
    data = submitted(client.get(url).content.decode(), having="vin")
    data["warranty_end"] = ""
    assert client.post(url, data).status_code == 302
    vehicle.refresh_from_db()
    assert vehicle.warranty_end is None


def test_saving_a_tier_rule_untouched_in_chinese_keeps_its_benefits_date(staff, store, client_for):
    from aftercare.loyalty.models import TierRule

    rule = TierRule.objects.create(
        group=store.group, tier="gold", min_spend_12m=5000, min_visits_12m=4, benefits="加油卡200元",
        benefits_valid_until=date(2027, 12, 31),
    )  # fmt: skip
    names = [
        "tier",
        "min_spend_12m",
        "min_visits_12m",
        "labour_discount_percent",
        "points_per_yuan",
        "benefits_valid_until",
    ]
    before = _fields(rule, names)
    client = client_for(staff["service_manager"])
    client.get(reverse("home"))

    _saved_untouched(client, reverse("loyalty:rule_edit", args=["tier", rule.pk]), "min_spend_12m")

    assert _fields(rule, names) == before
    assert before["benefits_valid_until"] == date(2027, 12, 31)


def test_saving_the_messaging_settings_untouched_in_chinese_keeps_the_quiet_hours(staff, store, client_for):
    from aftercare.messaging.models import StoreMessagingSettings

    row = StoreMessagingSettings.objects.create(store=store, quiet_start=time(21, 30), quiet_end=time(7, 45))
    names = ["quiet_start", "quiet_end", "fallback_channels", "marketing_cap", "max_attempts"]
    before = _fields(row, names)

    _saved_untouched(client_for(staff["admin"]), reverse("messaging:settings") + f"?store={store.pk}", "marketing_cap")

    assert _fields(row, names) == before and before["quiet_start"] == time(21, 30)


def test_saving_a_warranty_policy_untouched_in_chinese_keeps_its_validity_dates(staff, store, client_for):
    from aftercare.warranty import services
    from aftercare.warranty.models import WarrantyPolicy

    policy, _changed = services.policy_save(
        actor=staff["warranty_clerk"], store=store, brand="比亚迪", model="汉", coverage="basic", months=36,
        km=100000, valid_from=date(2024, 1, 1), valid_to=date(2026, 12, 31), excluded_parts="刹车片,雨刮",
    )  # fmt: skip
    names = ["brand", "model", "coverage", "months", "km", "valid_from", "valid_to", "excluded_parts"]
    before = _fields(policy, names)

    _saved_untouched(client_for(staff["warranty_clerk"]), reverse("warranty:policy_edit", args=[policy.pk]), "km")

    assert _fields(policy, names) == before
    assert (before["valid_from"], before["valid_to"]) == (date(2024, 1, 1), date(2026, 12, 31))
    assert WarrantyPolicy.objects.count() == 1


def test_selling_an_extended_warranty_in_chinese_keeps_the_sale_date_the_form_offered(staff, store, client_for):
    # Create-only form (on the vehicle's warranty panel): the sale date it is filled with must come back as is.
    from aftercare.warranty.models import ExtendedWarranty

    vehicle = VehicleFactory(owner=CustomerFactory(store=store), purchase_date=date(2022, 3, 14))
    client = client_for(staff["warranty_clerk"])
    panel = client.get(reverse("warranty:vehicle_panel", args=[vehicle.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert panel.status_code == 200
    data = submitted(panel.content.decode(), having="extended-contract_no")
    offered = date.fromisoformat(data["extended-sold_on"])
    data.update({"extended-contract_no": "YB-2026-001", "extended-ends_on": "2028-03-13", "extended-km": "150000"})

    answer = client.post(reverse("warranty:extended_sell", args=[vehicle.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.status_code == 302
    contract = ExtendedWarranty.objects.get(vehicle=vehicle)
    assert (contract.sold_on, contract.ends_on) == (offered, date(2028, 3, 13))


def test_a_campaign_form_redisplayed_in_chinese_keeps_its_dates(staff, store, client_for):
    # Create-only form: a refused post re-displays the dates, which a second post must save unchanged.
    from aftercare.crm.models import Campaign, Segment

    segment = Segment.objects.create(store=store, name="一年未回厂")
    client = client_for(staff["customer_care"])
    url = reverse("crm:campaign_new")
    data = submitted(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode(), having="starts_on")
    data.update({"name": "", "starts_on": "2027-04-01", "ends_on": "2027-04-30", "segment": str(segment.pk)})
    refused = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 200 and not Campaign.objects.exists()
    data = submitted(refused.content.decode(), having="starts_on")
    data["name"] = "清明保养节"

    answer = client.post(url, data, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert answer.status_code == 302, answer.content.decode()[:2000]
    campaign = Campaign.objects.get()
    assert (campaign.starts_on, campaign.ends_on, campaign.segment) == (date(2027, 4, 1), date(2027, 4, 30), segment)
