from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm, StyledFormMixin
from aftercare.core.money import PRICE_VALIDATORS
from aftercare.loyalty.models import CouponTemplate

from .choices import DeclineReason, Outcome
from .models import Campaign, RecommendationRule, Segment


class OutcomeForm(StyledForm):
    """The outcome of a solicitation call (docs/DOMAIN.md §11.5)."""

    outcome = forms.ChoiceField(label=_("outcome"), choices=Outcome.choices)
    reason = forms.ChoiceField(label=_("reason"), choices=[("", "—"), *DeclineReason.choices], required=False)
    appointment = forms.IntegerField(label=_("appointment"), required=False, min_value=1)
    note = forms.CharField(label=_("note"), max_length=200, required=False)


class SegmentNameForm(StyledForm):
    """The name a manager saves a segment's filter under (docs/DOMAIN.md §11.6)."""

    name = forms.CharField(label=_("Segment name"), max_length=100)


class CampaignForm(StyledFormMixin, forms.ModelForm):
    """A campaign of one store (docs/DOMAIN.md §19.1): segments and offers of that store and group."""

    class Meta:
        model = Campaign
        fields = [
            "name", "kind", "starts_on", "ends_on", "segment", "offers", "remind_days", "budget", "actual_cost",
            "target_arrivals", "target_new_customers", "target_revenue", "target_satisfaction",
        ]  # fmt: skip
        widgets = {"offers": forms.CheckboxSelectMultiple}

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.store = store
        self.fields["segment"].queryset = Segment.objects.filter(store=store)
        self.fields["offers"].queryset = CouponTemplate.objects.filter(group_id=store.group_id, active=True)
        self.fields["remind_days"].required = False  # empty: the default (docs/DOMAIN.md §19.1)

    def clean_remind_days(self):
        value = self.cleaned_data.get("remind_days")
        return Campaign._meta.get_field("remind_days").default if value is None else value

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The window ends before it starts."))
        return data


class PackageOfferForm(StyledForm):
    """A package at a campaign price (docs/DOMAIN.md §19.1)."""

    package_code = forms.ChoiceField(label=_("package"))
    price = forms.DecimalField(label=_("campaign price"), max_digits=12, decimal_places=2, min_value=0,
                               validators=PRICE_VALIDATORS)  # fmt: skip

    def __init__(self, *args, store, **kwargs):
        from aftercare.catalog.models import PackageJob

        super().__init__(*args, **kwargs)
        packages = PackageJob.objects.effective_for_store(store).active().order_by("code").values_list("code", "name")
        self.fields["package_code"].choices = [(code, f"{code} {name}") for code, name in packages]


MONTHS = [(month, str(month)) for month in range(1, 13)]


class RecommendationRuleForm(StyledFormMixin, forms.ModelForm):
    """A store's recommendation rule (docs/DOMAIN.md §11.7): its conditions, each optional,
    and the catalogue entry it recommends, which the store's catalogue must hold, active."""

    preference = forms.ChoiceField(label=_("customer preference"), required=False)
    powertrains = forms.MultipleChoiceField(label=_("powertrains"), required=False, widget=forms.CheckboxSelectMultiple)
    months = forms.TypedMultipleChoiceField(
        label=_("months of the year"), required=False, coerce=int, choices=MONTHS, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = RecommendationRule
        fields = [
            "code", "enabled", "preference", "tag", "powertrains", "min_vehicle_age", "months", "item_kind",
            "item_code", "reason", "sort_order",
        ]  # fmt: skip

    def __init__(self, *args, store, **kwargs):
        from aftercare.customers.choices import Powertrain, Preference

        super().__init__(*args, **kwargs)
        self.instance.store = store
        self.fields["preference"].choices = [("", "—"), *Preference.choices]
        self.fields["powertrains"].choices = Powertrain.choices

    def clean_code(self):
        code = self.cleaned_data["code"]
        taken = RecommendationRule.objects.filter(store=self.instance.store, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("The store already has a rule with this code."))
        return code

    def clean(self):
        from aftercare.catalog.models import LabourOperation, PackageJob

        data = super().clean()
        kind, code = data.get("item_kind"), data.get("item_code")
        if kind and code:
            model = PackageJob if kind == RecommendationRule.ItemKind.PACKAGE else LabourOperation
            entry = model.objects.effective_by_key(self.instance.store, [code]).get(code)
            if entry is None or not entry.is_active:
                self.add_error("item_code", _("The store's catalogue has no active entry with this code."))
        return data
