from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.bounds import SIGNATURE_MAX_LENGTH
from aftercare.core.forms import StyledForm

from .choices import PANEL_PURPOSES, Purpose


class IssueForm(StyledForm):
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=[(value, label) for value, label in Purpose.choices if value in PANEL_PURPOSES]
    )


class DecisionsForm(forms.Form):
    """The customer's choices on the proposed lines (line_<id> = approve / decline) and the
    finger signature as a PNG data URL."""

    signature = forms.CharField(required=False, max_length=SIGNATURE_MAX_LENGTH, widget=forms.HiddenInput)

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.ChoiceField(
                label=line.description, required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"}),
                choices=[("approve", _("Approve")), ("decline", _("Decline"))],
            )  # fmt: skip

    def decisions(self) -> dict[int, bool]:
        return {
            int(name[5:]): value == "approve"
            for name, value in self.cleaned_data.items()
            if name.startswith("line_") and value
        }


class SignatureForm(forms.Form):
    signature = forms.CharField(required=False, max_length=SIGNATURE_MAX_LENGTH, widget=forms.HiddenInput)


class BookForm(StyledForm):
    """A new booking (vehicle, what for) or a new time for the link's booking."""

    day = forms.DateField(label=_("Day"))
    start = forms.CharField(label=_("Time"), max_length=5)
    vehicle = forms.TypedChoiceField(label=_("Vehicle"), coerce=int, required=False)
    complaint = forms.CharField(label=_("What do you need?"), max_length=500, required=False)
    service = forms.ChoiceField(label=_("Where"), required=False)
    address = forms.CharField(label=_("Address for the visit"), max_length=200, required=False)

    def __init__(self, *args, vehicles=(), services=(("", ""),), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = [(v.pk, v.plate or v.vin) for v in vehicles]
        self.fields["service"].choices = list(services)


class PayForm(forms.Form):
    provider = forms.ChoiceField(choices=[("wechat", _("WeChat Pay")), ("alipay", _("Alipay"))])
    key = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)


class InvoiceForm(StyledForm):
    """The invoice the customer asks for: a person's or a company's (with its tax number)."""

    kind = forms.ChoiceField(
        label=_("Invoice for"), widget=forms.RadioSelect,
        choices=[("personal", _("Personal")), ("company", _("Company"))], initial="personal",
    )  # fmt: skip
    title = forms.CharField(label=_("Invoice title"), max_length=100, help_text=_("Your name, or the company's."))
    tax_number = forms.CharField(
        label=_("Tax number"), max_length=18, min_length=18, required=False,
        help_text=_("Company only: the 18-character unified social credit code."),
    )  # fmt: skip
    email = forms.EmailField(label=_("Email for the electronic invoice"), max_length=254, required=False)
