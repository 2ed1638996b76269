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

    def __init__(self, *args, vehicles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].choices = [(v.pk, v.plate or v.vin) for v in vehicles]
