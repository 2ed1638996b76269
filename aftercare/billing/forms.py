from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledFormMixin

from .choices import PayFlow, PaymentMethod, Provider
from .models import ProviderAccount


def form_token(kind: str, order, bill) -> str:
    """The idempotency key of a payment or refund form, bound to the order and
    to the money it was issued for (its last money record and its balance).

    The same page shown again (Back, a reload, the browser's own cache) carries
    the same key until money moves on the order, so resubmitting a form that was
    already posted finds that record instead of charging twice. Once a record is
    posted the next form gets a new key (docs/DOMAIN.md §4.6)."""
    last = max((record.pk for record in bill.payments), default=0)
    return f"{kind}-ro{order.pk}-after{last}-due{bill.balance}"


def online_form_token(kind: str, order_id: int, last_transaction_id: int, balance) -> str:
    """The same key for a WeChat Pay / Alipay charge or refund form: bound to the
    order's last provider transaction and its balance, so Back and submit again
    finds the charge already sent instead of sending a second one."""
    return f"online-{kind}-ro{order_id}-after{last_transaction_id}-due{balance}"


# Package uses and coupons are applied from their own page (they name a card and
# a line, or a coupon, and the amount follows from them), never typed here.
TYPED_METHODS = [c for c in PaymentMethod.choices if c[0] not in (PaymentMethod.PACKAGE_CARD, PaymentMethod.COUPON)]


class PaymentForm(StyledFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=TYPED_METHODS, initial=PaymentMethod.WECHAT)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    reference = forms.CharField(
        label=_("Reference"), max_length=100, required=False,
        help_text=_("Card slip, WeChat / Alipay or transfer number."),
    )  # fmt: skip
    # The form's idempotency key (form_token): a double click, a resubmitted
    # page or Back and submit again posts the same key, and the service records
    # the payment once.
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class RefundForm(StyledFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("Paid back by"), choices=PaymentMethod.choices)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class DeliveryForm(forms.Form):
    signature = forms.CharField(widget=forms.HiddenInput, required=False)


class OnlinePayForm(StyledFormMixin, forms.Form):
    """WeChat Pay / Alipay at the counter: scan the customer's code, or show ours."""

    provider = forms.ChoiceField(label=_("Provider"), choices=Provider.choices, widget=forms.RadioSelect)
    flow = forms.ChoiceField(
        label=_("How"),
        choices=[c for c in PayFlow.choices if c[0] != PayFlow.H5],
        initial=PayFlow.MICROPAY,
        widget=forms.RadioSelect,
    )
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    auth_code = forms.CharField(
        label=_("Payment code"), max_length=32, required=False,
        help_text=_("Scan the code in the customer's WeChat or Alipay; the scanner types the digits."),
    )  # fmt: skip
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def __init__(self, *args, providers=(), **kwargs):
        super().__init__(*args, **kwargs)
        if providers:
            self.fields["provider"].choices = [(p, Provider(p).label) for p in providers]
            self.fields["provider"].initial = providers[0]


class OnlineRefundForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class ProviderAccountForm(StyledFormMixin, forms.ModelForm):
    """The admin's screen for a store's merchant account. Secrets are write-only:
    the inputs are always empty, and left empty they keep the key on file."""

    api_base_url = forms.URLField(
        label=_("API base URL"), max_length=200, required=False, assume_scheme="https",
        help_text=_("Leave empty for the provider's own gateway."),
    )  # fmt: skip

    class Meta:
        model = ProviderAccount
        fields = [
            "is_active", "sandbox", "merchant_id", "app_id", "cert_serial_no", "api_key", "private_key",
            "provider_public_key", "provider_public_key_id", "api_base_url",
        ]  # fmt: skip
        widgets = {
            "api_key": forms.PasswordInput(render_value=False),
            "private_key": forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
            "provider_public_key": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("api_key", "private_key"):
            self.fields[name].required = False
            if self.instance.pk and getattr(self.instance, name):
                self.fields[name].help_text = _("On file; leave empty to keep it.")
        # The textarea would show the stored private key: it is never sent back.
        self.initial["private_key"] = ""
        self.initial["api_key"] = ""


class ReconcileForm(StyledFormMixin, forms.Form):
    provider = forms.ChoiceField(label=_("Provider"), choices=Provider.choices)
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))


class InvoiceIssueForm(StyledFormMixin, forms.Form):
    """The cashier records an invoice issued in the tax system (docs/DOMAIN.md §21.7)."""

    invoice_number = forms.CharField(label=_("Invoice number"), max_length=20)
    invoice_date = forms.DateField(label=_("Invoice date"))
    pdf = forms.FileField(label=_("Invoice PDF"), required=False, max_length=200)
