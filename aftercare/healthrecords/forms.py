from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledFormMixin

from .choices import UploadState
from .models import HealthRecordSettings


class RecordFilterForm(StyledFormMixin, forms.Form):
    start = forms.DateField(label=_("Settled from"), required=False)
    end = forms.DateField(label=_("Settled until"), required=False)
    state = forms.ChoiceField(label=_("Upload state"), choices=[("", _("All")), *UploadState.choices], required=False)


class CorrectionForm(StyledFormMixin, forms.Form):
    plate = forms.CharField(label=_("Plate number"), max_length=12, required=False)
    repair_mileage = forms.IntegerField(label=_("Odometer when brought in (km)"), min_value=0, max_value=9999999)
    fault_description = forms.CharField(label=_("Fault description"), widget=forms.Textarea(attrs={"rows": 3}))


class SettingsForm(StyledFormMixin, forms.ModelForm):
    endpoint_url = forms.URLField(label=_("platform endpoint"), max_length=300, required=False, assume_scheme="https")

    class Meta:
        model = HealthRecordSettings
        fields = ["check_on_settlement", "upload_enabled", "endpoint_url", "company_code", "app_key", "app_secret"]
        widgets = {"app_secret": forms.PasswordInput(render_value=False)}
        help_texts = {"app_secret": _("Leave empty to keep the secret on file.")}
