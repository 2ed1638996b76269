from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledFormMixin
from aftercare.core.models import Store

from .roles import Role


class StoreForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Store
        fields = ["name", "address", "phone", "rescue_phone", "opens_at", "closes_at", "is_active"]


class UserCreateForm(StyledFormMixin, forms.Form):
    username = forms.RegexField(
        label=_("Login name"),
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    full_name = forms.CharField(label=_("Full name"), max_length=50)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    hv_certified = forms.BooleanField(label=_("High-voltage certified"), required=False)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, strip=False)

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class MembershipForm(StyledFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class SecondFactorForm(StyledFormMixin, forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )
