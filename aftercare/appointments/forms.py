"""Forms of the appointment pages. They parse input; the services decide."""

from datetime import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.models import Bay, LabourOperation, RepairType, Van
from aftercare.core.forms import StyledForm
from aftercare.customers.forms import ReadingForm
from aftercare.customers.models import Vehicle

from .choices import Channel
from .selectors import store_technicians


class VehicleField(forms.CharField):
    """A vehicle of the store by its plate or its id (the search box finds either)."""

    def __init__(self, *args, store=None, **kwargs):
        self.store = store
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        text = value.strip().upper().replace(" ", "")
        vehicles = Vehicle.objects.filter(store=self.store, is_active=True)
        query = Q(plate=text)
        if text.isdigit():
            query |= Q(pk=int(text))
        matches = list(vehicles.filter(query).select_related("owner")[:2])
        if len(matches) != 1:
            raise forms.ValidationError(_("No vehicle of this store has this plate."), code="unknown")
        return matches[0]


class AppointmentForm(StyledForm):
    vehicle = VehicleField(
        label=_("Vehicle (plate)"), max_length=20, help_text=_("The plate, e.g. 粤A12345, or the vehicle's number.")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    complaint = forms.CharField(
        label=_("Complaint or service wanted"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    repair_type = forms.ModelChoiceField(label=_("Repair type"), queryset=RepairType.objects.none())
    operations = forms.ModelMultipleChoiceField(
        label=_("Work"), queryset=LabourOperation.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )  # fmt: skip
    day = forms.DateField(label=_("Date"))
    start_time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"step": 300}))
    bay = forms.ModelChoiceField(
        label=_("Bay"), queryset=Bay.objects.none(), required=False, empty_label=_("First free bay")
    )
    technician = forms.ModelChoiceField(
        label=_("Technician"), queryset=Bay.objects.none(), required=False, empty_label=_("First free technician")
    )
    bring_reminder = forms.CharField(label=_("What to bring"), max_length=200, required=False)
    # Site work (docs/DOMAIN.md §17.9): only read when the work is done on site.
    site_address = forms.CharField(
        label=_("Address for site work"), max_length=200, required=False,
        help_text=_("Home service, wall-box installation or charger repair: where the technician goes."),
    )  # fmt: skip
    travel_minutes = forms.IntegerField(
        label=_("Travel time one way (minutes)"), min_value=0, max_value=480, required=False
    )
    van = forms.ModelChoiceField(
        label=_("Service van"), queryset=Van.objects.none(), required=False, empty_label=_("First free van")
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.store = store
        self.fields["vehicle"].store = store
        self.fields["repair_type"].queryset = RepairType.objects.effective_for_store(store).active().order_by("code")
        self.fields["operations"].queryset = (
            LabourOperation.objects.effective_for_store(store).active().select_related("category").order_by("code")
        )
        self.fields["bay"].queryset = Bay.objects.filter(store=store, is_active=True).order_by("code")
        self.fields["technician"].queryset = store_technicians(store)
        self.fields["van"].queryset = Van.objects.filter(store=store, is_active=True).order_by("code")
        if not self.is_bound and "repair_type" not in self.initial:
            self.initial["repair_type"] = self.fields["repair_type"].queryset.filter(code="general").first()

    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["day"], self.cleaned_data["start_time"]))

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "start_at": self.start_at(),
            "operations": list(data["operations"]),
            "channel": data["channel"],
            "complaint": data["complaint"],
            "repair_type": data["repair_type"],
            "bay": data["bay"],
            "technician": data["technician"],
            "bring_reminder": data["bring_reminder"],
            "site_address": data["site_address"],
            "travel_minutes": data["travel_minutes"],
            "van": data["van"],
        }


class CancelForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ConvertForm(ReadingForm):
    """The customer has arrived: today's odometer reading opens the repair order."""


class DateRangeForm(StyledForm):
    date_from = forms.DateField(label=_("From"))
    date_to = forms.DateField(label=_("To"))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end is before the start."))
        elif data.get("date_from") and data.get("date_to") and (data["date_to"] - data["date_from"]).days > 366:
            self.add_error("date_to", _("Choose at most one year."))
        return data
