from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm, StyledFormMixin

from .choices import TRIGGER_CODES, Channel, Purpose
from .models import MessageTemplate, StoreMessagingSettings
from .providers import ADAPTERS


class SendForm(StyledForm):
    """Staff send one message to a customer through the door."""

    template_code = forms.ChoiceField(label=_("Template"))
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices, initial=Purpose.SERVICE)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Preferred, then the store's order")), *Channel.choices], required=False
    )
    note = forms.CharField(label=_("Extra text"), max_length=200, required=False)
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args, codes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template_code"].choices = [(code, code) for code in dict.fromkeys([*TRIGGER_CODES, *codes])]


class TemplateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["code", "channel", "purpose", "name", "subject", "text", "provider_template_code", "is_active"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


class PreviewForm(StyledForm):
    text = forms.CharField(max_length=1000, required=False)


def _config_text(config: dict) -> str:
    return "\n".join(f"{key}={value}" for key, value in config.items())


class AccountForm(StyledForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices[:3])
    provider = forms.ChoiceField(label=_("Provider"))
    priority = forms.IntegerField(label=_("Priority"), min_value=1, max_value=99, initial=1)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    config = forms.CharField(
        label=_("Settings"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One key=value per line. Secrets show as ••••••; leave them so to keep the one on file."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(code, code) for code in sorted(ADAPTERS)]

    def clean_config(self) -> dict:
        config = {}
        for line in self.cleaned_data["config"].splitlines():
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep or not key.strip():
                raise forms.ValidationError(_("Write each setting as key=value."))
            value = value.strip()
            config[key.strip()] = "" if value == "••••••" else value
        return config


class SettingsForm(StyledFormMixin, forms.ModelForm):
    # In order: the channels tried after the customer's preferred one (docs/DOMAIN.md §15.1).
    fallback_channels = forms.CharField(
        label=_("Fallback channels"), max_length=60, required=False,
        help_text=_("In order, separated by commas: sms, wechat, email, phone."),
    )  # fmt: skip

    class Meta:
        model = StoreMessagingSettings
        fields = ["quiet_start", "quiet_end", "fallback_channels", "marketing_cap", "max_attempts"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["fallback_channels"] = ", ".join(self.instance.fallback_channels or [])

    def clean_fallback_channels(self) -> list[str]:
        channels = [c.strip().lower() for c in self.cleaned_data["fallback_channels"].replace("，", ",").split(",")]
        channels = list(dict.fromkeys(c for c in channels if c))
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            raise forms.ValidationError(_("Unknown channel: %(names)s") % {"names": ", ".join(unknown)})
        return channels
