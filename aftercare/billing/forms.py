import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledFormMixin

from .choices import PaymentMethod


def new_token() -> str:
    return uuid.uuid4().hex


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
    # One token per rendered form: a double click or a resubmitted page posts
    # the same token, and the service records the payment once.
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
