from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm, StyledFormMixin
from aftercare.customers.choices import ConsentChannel, ConsentPurpose

from .choices import IdentityCheck, RequestChannel, RequestKind
from .models import PrivacySettings


class RequestForm(StyledForm):
    customer_number = forms.CharField(label=_("customer number"), max_length=20)
    kind = forms.ChoiceField(label=_("request"), choices=RequestKind.choices)
    channel = forms.ChoiceField(label=_("received via"), choices=RequestChannel.choices)
    details = forms.CharField(
        label=_("what the customer asks"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class IdentityForm(StyledForm):
    identity_check = forms.ChoiceField(label=_("identity check"), choices=IdentityCheck.choices)
    note = forms.CharField(label=_("identity check note"), max_length=200, required=False)


class WithdrawForm(StyledForm):
    purposes = forms.MultipleChoiceField(
        label=_("purposes"), choices=ConsentPurpose.choices, widget=forms.CheckboxSelectMultiple
    )
    via = forms.ChoiceField(label=_("obtained via"), choices=ConsentChannel.choices, initial=ConsentChannel.PHONE)


class CorrectionForm(StyledForm):
    note = forms.CharField(label=_("what was corrected"), max_length=300)


class CloseForm(StyledForm):
    reply = forms.CharField(label=_("reply to the customer"), widget=forms.Textarea(attrs={"rows": 3}))


class PeriodForm(StyledForm):
    start = forms.DateField(label=_("from"), required=False)
    end = forms.DateField(label=_("until"), required=False)


class SettingsForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = PrivacySettings
        fields = [
            "response_working_days", "inactive_customer_years", "media_years", "profile_views_per_hour",
            "export_link_days",
        ]  # fmt: skip
