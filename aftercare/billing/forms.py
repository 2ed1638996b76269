from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledFormMixin

from .choices import PaymentMethod


def form_token(kind: str, order, bill) -> str:
    """The idempotency key of a payment or refund form, bound to the order and
    to the money it was issued for (its last money record and its balance).

    The same page shown again (Back, a reload, the browser's own cache) carries
    the same key until money moves on the order, so resubmitting a form that was
    already posted finds that record instead of charging twice. Once a record is
    posted the next form gets a new key (docs/DOMAIN.md §4.6)."""
    last = max((record.pk for record in bill.payments), default=0)
    return f"{kind}-ro{order.pk}-after{last}-due{bill.balance}"


class PaymentForm(StyledFormMixin, forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices, initial=PaymentMethod.WECHAT)
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
