from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from aftercare.billing.choices import PaymentMethod
from aftercare.core.forms import StyledFormMixin


def form_token(kind: str, customer_id: int, *state) -> str:
    """The idempotency key of a card form, bound to the customer's ledger as the
    page showed it (the newest posting) and any further state (an order's balance).

    The same page shown again (Back, a reload) carries the same key until money
    moves, so resubmitting a form already posted finds that voucher instead of
    posting twice; once it posts, the next page gets a new key (docs/DOMAIN.md §4.6)."""
    from django.db.models import Max

    from .models import Posting

    last = Posting.objects.filter(account__customer_id=customer_id).aggregate(last=Max("pk"))["last"] or 0
    return "-".join([kind, f"c{customer_id}", f"after{last}", *map(str, state)])


# How money comes in for a top-up or a card sale (never from a card itself).
MONEY_IN = [choice for choice in PaymentMethod.choices if choice[0] in ("cash", "card", "wechat", "alipay", "transfer")]


class IssueCardForm(StyledFormMixin, forms.Form):
    number = forms.CharField(
        label=_("Card number"), max_length=30, required=False, help_text=_("Empty: numbered by the store.")
    )


class TopUpForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("Paid by"), choices=MONEY_IN, initial="wechat")
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class CardRefundForm(StyledFormMixin, forms.Form):
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("Paid back by"), choices=MONEY_IN)
    reason = forms.CharField(label=_("Reason"), max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class PackageSaleForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Package"), max_length=100)
    price = forms.DecimalField(label=_("Price (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(label=_("Paid by"), choices=MONEY_IN, initial="wechat")
    expires_on = forms.DateField(label=_("Valid until"))
    items = forms.CharField(
        label=_("Services"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: catalogue code, name, count, e.g. M001 常规保养 5"),
    )  # fmt: skip
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)

    def clean_items(self):
        items = []
        for line in self.cleaned_data["items"].splitlines():
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2 or not parts[-1].isdigit():
                raise forms.ValidationError(_("Each line: catalogue code, name, count."))
            items.append((parts[0], " ".join(parts[1:-1]) or parts[0], int(parts[-1])))
        return items


class StoredValuePayForm(StyledFormMixin, forms.Form):
    card = forms.CharField(label=_("Member card number"), max_length=30)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, min_value=0.01)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


class RedeemForm(StyledFormMixin, forms.Form):
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=10_000_000)
    note = forms.CharField(label=_("Exchanged for"), max_length=200)
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)


# --- the manager's rules ---------------------------------------------------------------------


class CouponTemplateForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        from .models import CouponTemplate

        model = CouponTemplate
        fields = ["name", "kind", "value", "cap", "service_code", "min_spend", "repair_types", "first_visit_only",
                  "stackable", "valid_days", "points_cost", "active"]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A free service needs no amount, and no minimum spend means none.
        for name in ("value", "min_spend"):
            self.fields[name].required = False

    def clean_value(self):
        return self.cleaned_data["value"] or 0

    def clean_min_spend(self):
        return self.cleaned_data["min_spend"] or 0


class TopUpRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        from .models import TopUpRule

        model = TopUpRule
        fields = ["min_amount", "bonus", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # On their fields, before the table's constraints would refuse the whole form.
        self.fields["min_amount"].validators.append(MinValueValidator(Decimal("0.01")))
        self.fields["bonus"].validators.append(MinValueValidator(0))


class TierRuleForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        from .models import TierRule

        model = TierRule
        fields = ["tier", "min_spend_12m", "min_visits_12m", "labour_discount_percent", "points_per_yuan", "priority",
                  "benefits", "benefits_valid_until"]  # fmt: skip
