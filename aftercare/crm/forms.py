from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm

from .choices import DeclineReason, Outcome


class OutcomeForm(StyledForm):
    """The outcome of a solicitation call (docs/DOMAIN.md §11.5)."""

    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)
    reason = forms.ChoiceField(label=_("reason"), choices=[("", "—"), *DeclineReason.choices], required=False)
    appointment = forms.IntegerField(label=_("appointment"), required=False, min_value=1)
    note = forms.CharField(label=_("note"), max_length=200, required=False)
