import json
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.choices import SiteKind
from aftercare.catalog.models import RepairType, Van
from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.forms import StyledForm
from aftercare.core.money import MAX_PRICE, MAX_QUANTITY, MIN_QUANTITY
from aftercare.customers.forms import ReadingForm

from .choices import ApprovalMethod, Payer, WaitingMode
from .services import DAMAGE_KINDS

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DetailsForm(StyledForm):
    """What the advisor records at reception and diagnosis (问诊) and may correct later."""

    contact_phone = forms.CharField(label=_("Contact phone for this visit"), max_length=11, required=False)
    fuel_level = forms.IntegerField(
        label=_("Fuel / charge level (%)"),
        min_value=0,
        max_value=100,
        required=False,
        widget=forms.NumberInput(attrs={"type": "range", "min": 0, "max": 100, "step": 5, "class": "form-range"}),
    )
    customer_statement = forms.CharField(
        label=_("Customer's own words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What, when, where, how often: write it as the customer says it (5W2H)."),
    )
    findings = forms.CharField(
        label=_("Technician's findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    promised_at = forms.DateTimeField(label=_("Promised time"), required=False, input_formats=DATETIME_FORMATS)
    waiting_mode = forms.ChoiceField(label=_("Customer waits"), choices=WaitingMode.choices)
    return_old_parts = forms.BooleanField(label=_("Old parts go back to the customer"), required=False)

    def clean_contact_phone(self):
        phone = self.cleaned_data["contact_phone"].strip().replace(" ", "").replace("-", "")
        if phone and (not phone.isdigit() or len(phone) != 11):
            raise forms.ValidationError(_("Enter an 11-digit mobile number."))
        return phone


class ReceptionForm(ReadingForm, DetailsForm):
    """Opening a repair order for a car at reception (接待), with today's odometer reading."""

    field_order = [
        "repair_type", "odometer_km", "odometer_correction_reason", "fuel_level", "contact_phone", "address",
        "customer_statement", "findings", "promised_at", "waiting_mode", "return_old_parts",
    ]  # fmt: skip

    repair_type = forms.ModelChoiceField(label=_("Repair type"), queryset=RepairType.objects.none())
    address = forms.CharField(label=_("Customer's address"), max_length=200, required=False)

    def __init__(self, *args, store=None, vehicle=None, **kwargs):
        super().__init__(*args, vehicle=vehicle, **kwargs)
        if store is not None:
            types = RepairType.objects.effective_for_store(store).active().order_by("id")
            self.fields["repair_type"].queryset = types
            # Most cars come for maintenance or a general repair: preselect the latter.
            self.fields["repair_type"].initial = types.filter(code="general").values_list("pk", flat=True).first()
        self.fields["fuel_level"].required = True
        self.fields["fuel_level"].initial = 50


class LineAddForm(StyledForm):
    """One catalogue entry to add: the type-ahead fills `item` with its id."""

    kind = forms.ChoiceField(
        label=_("Add"),
        choices=[
            ("operation", _("Labour operation")),
            ("part", _("Part")),
            ("package", _("Package job")),
            ("other_charge", _("Other charge")),
        ],
    )
    item = forms.IntegerField(widget=forms.HiddenInput, required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, max_digits=8, decimal_places=2, initial=1
    )
    payer = forms.ChoiceField(label=_("Paid by"), choices=Payer.choices, initial=Payer.CUSTOMER)
    # The "add it again" button of a refused duplicate sends the entry here instead of `item`.
    confirm = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        confirmed = data.get("confirm")
        data["item"] = data.get("item") or confirmed
        data["confirm_duplicate"] = bool(confirmed) and data["item"] == confirmed
        self.chosen_item = data["item"]  # kept: an error on `item` takes it out of cleaned_data
        if not data["item"] and "item" not in self.errors:
            self.add_error("item", _("Pick an entry from the catalogue."))
        return data

    @property
    def duplicate_item(self) -> int | None:
        """The entry the service refused as already on the order: the page offers to add it again."""
        if self.is_bound and self.has_error("item", "duplicate"):
            return getattr(self, "chosen_item", None)
        return None


class TransitionForm(forms.Form):
    to = forms.CharField(max_length=20)
    note = forms.CharField(max_length=200, required=False)


class AuthoriseForm(StyledForm):
    method = forms.ChoiceField(
        label=_("How the customer authorises"),
        choices=[
            (ApprovalMethod.SIGNATURE, ApprovalMethod.SIGNATURE.label),
            (ApprovalMethod.VERBAL, ApprovalMethod.VERBAL.label),
        ],
        widget=forms.RadioSelect,
        initial=ApprovalMethod.SIGNATURE,
    )
    signature = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(
        label=_("Note"),
        max_length=200,
        required=False,
        help_text=_("For a verbal approval: who, by which phone, when."),
    )


class DecideForm(StyledForm):
    approve = forms.TypedChoiceField(coerce=lambda v: v == "1", choices=[("1", _("Approve")), ("0", _("Decline"))])
    # The staff page records a decision by phone; a signature is given on the customer's
    # phone link, which keeps the signature with the rest of the evidence (docs/DOMAIN.md §3.4).
    method = forms.ChoiceField(
        label=_("How"), choices=[(ApprovalMethod.VERBAL, ApprovalMethod.VERBAL.label)], initial=ApprovalMethod.VERBAL
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DiscountForm(StyledForm):
    amount = forms.DecimalField(
        label=_("Discount (CNY)"), min_value=Decimal("0.01"), max_value=MAX_PRICE, max_digits=10, decimal_places=2
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)


class CheckInForm(StyledForm):
    """The walk-around check-in sheet; the marks and the signature come from checkin.js."""

    damage_marks = forms.CharField(widget=forms.HiddenInput, required=False, initial="[]")
    belongings = forms.CharField(
        label=_("Belongings in the car"),
        max_length=300,
        required=False,
        help_text=_("Remind the customer to take valuables with them."),
    )
    covers_fitted = forms.BooleanField(label=_("Seat, wheel and floor covers fitted"), required=False)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    customer_signature = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_damage_marks(self):
        raw = self.cleaned_data.get("damage_marks") or "[]"
        try:
            marks = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(_("The damage marks could not be read.")) from error
        if not isinstance(marks, list):
            raise forms.ValidationError(_("The damage marks could not be read."))
        return marks


DAMAGE_KIND_LABELS = dict(zip(DAMAGE_KINDS, [_("Scratch"), _("Dent"), _("Crack"), _("Other")], strict=True))


class PhotoForm(StyledForm):
    image = forms.FileField(
        label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"})
    )
    caption = forms.CharField(label=_("Caption"), max_length=200, required=False)


# --- site work (docs/DOMAIN.md §17.9) ---------------------------------------------------------------


class SiteVisitForm(StyledForm):
    """Where and when site work is done, and with which van."""

    kind = forms.ChoiceField(label=_("Site work"), choices=SiteKind.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    window_start = forms.DateTimeField(label=_("Arrival window from"), required=False)
    window_end = forms.DateTimeField(label=_("Arrival window to"), required=False)
    travel_minutes = forms.IntegerField(
        label=_("Travel time one way (minutes)"), min_value=0, max_value=480, initial=30
    )
    van = forms.ModelChoiceField(label=_("Service van"), queryset=Van.objects.none(), required=False)

    def __init__(self, *args, store=None, **kwargs):
        super().__init__(*args, **kwargs)
        if store is not None:
            self.fields["van"].queryset = Van.objects.filter(store=store, is_active=True).order_by("code")


class KitForm(forms.Form):
    """The van's kit ticked at departure: one checkbox per item."""

    checked = forms.MultipleChoiceField(label=_("Kit"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked"].choices = [(item.code, str(item)) for item in items]


class SiteSurveyForm(StyledForm):
    notes = forms.CharField(label=_("What the survey found"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = forms.MultipleChoiceField(label=_("Survey photos"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, photos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].choices = [(str(p.pk), p.caption or p.image.name) for p in photos]


class AcceptanceForm(StyledForm):
    signature = forms.CharField(widget=forms.HiddenInput, required=False, max_length=SIGNATURE_MAX_LENGTH)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
