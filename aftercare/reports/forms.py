from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm


class PeriodForm(StyledForm):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores"))] + [(s.pk, s.name) for s in stores]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or today.replace(day=1)
        data["end"] = data.get("end") or today
        if data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data


class CrmReportForm(StyledForm):
    """Which store's report for which month (docs/DOMAIN.md §18.4)."""

    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m"], widget=forms.DateInput(format="%Y-%m"))

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]
        # A month picker, not the date picker StyledForm gives every DateField.
        self.fields["month"].widget.input_type = "month"
        self.fields["month"].widget.format = "%Y-%m"


class CrmReportGenerateForm(StyledForm):
    reason = forms.CharField(label=_("Why regenerate"), max_length=200, required=False)
