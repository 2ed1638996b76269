from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm, StyledFormMixin

from .choices import ConsentChannel, ConsentPurpose, PlateKind, Preference
from .models import Customer, Vehicle
from .normalize import normalize_mobile, normalize_plate, normalize_vin


class CustomerForm(StyledFormMixin, forms.ModelForm):
    """Customer details. The mobile is normalised and checked for duplicates by
    the service; errors come back onto the fields."""

    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    preferences = forms.MultipleChoiceField(
        label=_("Preferences"), choices=Preference.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
    allow_shared_mobile = forms.BooleanField(
        label=_("This mobile is shared with another customer (e.g. family)"), required=False
    )

    class Meta:
        model = Customer
        fields = [
            "kind", "name", "contact_person", "mobile", "wechat_id", "email", "gender", "birthday", "region",
            "address", "preferred_channel", "preferences", "tags", "source", "assigned_advisor", "member_card_no",
            "abc_class",
        ]  # fmt: skip

    def __init__(self, *args, advisors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if advisors is not None:
            self.fields["assigned_advisor"].queryset = advisors
        if self.instance.pk and isinstance(self.instance.tags, list):
            self.initial["tags"] = ", ".join(self.instance.tags)

    def clean_mobile(self):
        # Normalised here as well as in the service so the model's 11-character
        # limit sees "139 1234 5678" as the 11 digits it is.
        mobile = self.cleaned_data.get("mobile", "")
        return normalize_mobile(mobile) if mobile else ""

    def clean_tags(self):
        raw = self.cleaned_data.get("tags", "")
        return sorted({t.strip() for t in raw.replace("，", ",").split(",") if t.strip()})

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k != "allow_shared_mobile"}
        advisor = data.pop("assigned_advisor", None)
        data["assigned_advisor_id"] = advisor.pk if advisor else None
        return data


class VehicleForm(StyledFormMixin, forms.ModelForm):
    plate = forms.CharField(label=_("Plate"), max_length=20, required=False)
    vin = forms.CharField(label=_("VIN"), max_length=25)
    odometer_km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, required=False)
    class_change_reason = forms.CharField(
        label=_("Reason for a class or discount change"), max_length=200, required=False
    )

    class Meta:
        model = Vehicle
        fields = [
            "plate", "plate_kind", "vin", "vin_check_digit_waived", "engine_no", "brand", "model", "trim",
            "powertrain", "color", "purchase_date", "selling_dealer", "maintenance_months", "maintenance_km",
            "insurance_expiry", "inspection_due", "warranty_start", "warranty_end", "abc_class", "discount_level",
            "is_active",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["odometer_km"]
        else:
            del self.fields["class_change_reason"]
            del self.fields["is_active"]

    def clean(self):
        cleaned = super().clean()
        unregistered = cleaned.get("plate_kind", PlateKind.STANDARD) != PlateKind.STANDARD
        try:
            if cleaned.get("plate"):
                cleaned["plate"] = normalize_plate(cleaned["plate"], unregistered_format=unregistered)
        except ValidationError as error:
            self.add_error("plate", error)
        try:
            if cleaned.get("vin"):
                cleaned["vin"] = normalize_vin(
                    cleaned["vin"], accept_check_digit_mismatch=bool(cleaned.get("vin_check_digit_waived"))
                )
        except ValidationError as error:
            self.add_error("vin", error)
        return cleaned

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k not in ("odometer_km", "class_change_reason")}


MAX_ODOMETER_KM = 3_000_000  # docs/DOMAIN.md §2.3


class OdometerForm(StyledFormMixin, forms.Form):
    km = forms.IntegerField(label=_("Odometer (km)"), min_value=0, max_value=MAX_ODOMETER_KM)
    correction_reason = forms.CharField(label=_("Correction reason"), max_length=200, required=False)


class ReadingForm(StyledForm):
    """The odometer reading a visit starts with (reception, an appointment's
    conversion): required, and empty until the advisor reads the odometer. The
    last reading is a hint (placeholder and help text), never the value, so
    clicking straight through cannot record a stale reading as today's. A
    reading below the last one needs the correction reason beside it
    (docs/DOMAIN.md §2.3, §3.1 step 3)."""

    odometer_km = forms.IntegerField(label=_("Odometer now (km)"), min_value=0, max_value=MAX_ODOMETER_KM)
    odometer_correction_reason = forms.CharField(
        label=_("Reason for a reading below the last one"),
        max_length=200,
        required=False,
        help_text=_("Only for a correction: a typo before, a replaced instrument."),
    )

    def __init__(self, *args, vehicle=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vehicle is not None and vehicle.odometer_km is not None:
            field = self.fields["odometer_km"]
            field.widget.attrs["placeholder"] = _("last %(km)s") % {"km": vehicle.odometer_km}
            if vehicle.odometer_at:
                field.help_text = _("Last reading %(km)s km on %(day)s. Enter what the odometer shows today.") % {
                    "km": vehicle.odometer_km,
                    "day": date_format(timezone.localdate(vehicle.odometer_at), "Y-m-d"),
                }
            else:
                field.help_text = _("Last reading %(km)s km. Enter what the odometer shows today.") % {
                    "km": vehicle.odometer_km
                }


class ConsentForm(StyledFormMixin, forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Agrees")), ("0", _("Withdraws / refuses"))],
        coerce=lambda v: v == "1",
    )
    channel = forms.ChoiceField(label=_("Obtained via"), choices=ConsentChannel.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class MergeForm(StyledFormMixin, forms.Form):
    other_number = forms.CharField(
        label=_("Customer number of the duplicate record"),
        max_length=20,
        help_text=_("Its vehicles and history move to this customer; the duplicate is hidden."),
    )


class TransferForm(StyledFormMixin, forms.Form):
    new_owner_number = forms.CharField(label=_("Customer number of the new owner"), max_length=20)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
