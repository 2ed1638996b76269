from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm

from .choices import ClaimLineKind, Coverage
from .models import ExtendedWarranty, WarrantyPolicy, WarrantySettings


class PolicyForm(StyledForm, forms.ModelForm):
    class Meta:
        model = WarrantyPolicy
        fields = ["brand", "model", "coverage", "months", "km", "valid_from", "valid_to", "excluded_parts"]


class ExtendedWarrantyForm(StyledForm, forms.ModelForm):
    class Meta:
        model = ExtendedWarranty
        fields = ["coverage", "contract_no", "ends_on", "km", "price", "sold_on"]


class OverrideForm(StyledForm):
    coverage = forms.ChoiceField(label=_("Coverage"), choices=Coverage.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ClaimForm(StyledForm):
    causal_part_code = forms.CharField(label=_("Causal part number"), max_length=40, required=False)
    causal_part_name = forms.CharField(label=_("Causal part"), max_length=100, required=False)
    symptom_code = forms.CharField(label=_("Symptom code"), max_length=20, required=False)
    cause_code = forms.CharField(label=_("Cause code"), max_length=20, required=False)
    description = forms.CharField(
        label=_("Fault description"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ClaimLineForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(ClaimLineKind.RESCUE, ClaimLineKind.RESCUE.label),
                                                        (ClaimLineKind.OTHER, ClaimLineKind.OTHER.label)])  # fmt: skip
    description = forms.CharField(label=_("Description"), max_length=200)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=10, decimal_places=2, initial=1)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=12, decimal_places=2)


class MoveForm(StyledForm):
    note = forms.CharField(label=_("Note or the carmaker's reason"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2, required=False)


class DeadlineForm(StyledForm, forms.ModelForm):
    class Meta:
        model = WarrantySettings
        fields = ["brand", "deadline_days", "warn_days"]
