"""Forms of the catalogue pages. A new entry chooses its level (a store, or the
group default); an existing entry keeps its level."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm, StyledFormMixin
from aftercare.core.models import DealerGroup, Store
from aftercare.core.money import MAX_QUANTITY, MIN_QUANTITY
from aftercare.core.permissions import Perm

from . import models
from .choices import BayCapability, Powertrain
from .services import READ_PERMS, manageable_groups, manageable_store_ids


class ChoiceListField(forms.MultipleChoiceField):
    """A JSON list of choices, as check boxes."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *, choices, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(choices=choices, **kwargs)

    def clean(self, value):
        return list(super().clean(value))


def scope_choices(user, *, groups: bool = True) -> list[tuple[str, str]]:
    """ "store:<id>" for every store where the user manages the catalogue, and
    "group:<id>" for the defaults of their groups."""
    stores = Store.objects.filter(pk__in=manageable_store_ids(user)).select_related("group")
    choices = [(f"store:{store.pk}", str(store)) for store in stores]
    if groups:
        for group in DealerGroup.objects.filter(pk__in=manageable_groups(user)):
            label = _("%(group)s: group default for every store") % {"group": group}
            choices.insert(0, (f"group:{group.pk}", label))
    return choices


class CatalogItemForm(StyledFormMixin, forms.ModelForm):
    """Base of every catalogue form. Relations only offer entries the user may use."""

    scope = forms.ChoiceField(label=_("Applies to"))
    allow_group_scope = True

    def __init__(self, *args, user, current_store=None, read_only=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["scope"]
        else:
            self.fields["scope"].choices = scope_choices(user, groups=self.allow_group_scope)
            if current_store is not None and current_store.pk in manageable_store_ids(user):
                self.fields["scope"].initial = f"store:{current_store.pk}"
            self.order_fields(["scope"])
        perm = READ_PERMS if read_only else Perm.CATALOG_MANAGE
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = field.queryset.model.objects.for_user(user, perm)
            field.disabled = read_only

    def clean_scope(self):
        kind, _sep, pk = self.cleaned_data["scope"].partition(":")
        if kind == "store":
            return Store.objects.select_related("group").get(pk=pk), None
        return None, DealerGroup.objects.get(pk=pk)

    def clean(self):
        cleaned = super().clean()
        # Give the unsaved instance its level now, so that the model's own checks
        # (code unique at its level, relations of the same group) run in is_valid().
        if not self.instance.pk and cleaned.get("scope"):
            store, group = cleaned["scope"]
            if isinstance(self.instance, models.Bay):
                self.instance.store = store
            else:
                self.instance.set_scope(store=store, group=group)
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in self._meta.fields if name in self.cleaned_data}


class RepairTypeForm(CatalogItemForm):
    class Meta:
        model = models.RepairType
        fields = ["code", "name", "bills_to", "is_active"]


class LabourRateForm(CatalogItemForm):
    class Meta:
        model = models.LabourRate
        fields = ["repair_type", "hourly_rate", "is_active"]


class OperationCategoryForm(CatalogItemForm):
    class Meta:
        model = models.OperationCategory
        fields = ["code", "name", "is_active"]


class LabourOperationForm(CatalogItemForm):
    powertrains = ChoiceListField(
        label=_("Powertrains"),
        choices=Powertrain.choices,
        help_text=_("Leave empty if it applies to every powertrain."),
    )

    class Meta:
        model = models.LabourOperation
        fields = ["code", "name", "category", "frt_hours", "powertrains", "high_voltage", "site_kind", "is_active"]


class PartForm(CatalogItemForm):
    class Meta:
        model = models.Part
        fields = ["part_no", "name", "brand", "is_oem", "unit_price", "is_active"]


class PackageJobForm(CatalogItemForm):
    powertrains = ChoiceListField(
        label=_("Powertrains"),
        choices=Powertrain.choices,
        help_text=_("Leave empty if it applies to every powertrain."),
    )

    class Meta:
        model = models.PackageJob
        fields = [
            "code", "name", "repair_type", "description", "powertrains", "interval_km", "interval_months", "is_active"
        ]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class OtherChargeForm(CatalogItemForm):
    class Meta:
        model = models.OtherCharge
        fields = ["code", "name", "default_amount", "is_active"]


class BayForm(CatalogItemForm):
    allow_group_scope = False
    capabilities = ChoiceListField(label=_("Capabilities"), choices=BayCapability.choices)

    class Meta:
        model = models.Bay
        fields = ["code", "name", "capabilities", "is_active"]


class InspectionItemForm(CatalogItemForm):
    powertrains = ChoiceListField(
        label=_("Powertrains"),
        choices=Powertrain.choices,
        help_text=_("Leave empty if it applies to every powertrain."),
    )

    class Meta:
        model = models.InspectionItem
        fields = ["code", "name", "area", "sort_order", "powertrains", "is_active"]


class SurveyQuestionForm(CatalogItemForm):
    class Meta:
        model = models.SurveyQuestion
        fields = ["code", "text", "dimension", "answer_type", "sort_order", "for_ev", "is_active"]


class DiscountLevelForm(CatalogItemForm):
    class Meta:
        model = models.DiscountLevel
        fields = ["code", "name", "labour_discount_pct", "parts_discount_pct", "is_active"]


class PackageLineForm(StyledForm):
    """One line of a package job: an operation or a part, and how many."""

    operation = forms.ModelChoiceField(
        label=_("Operation"), queryset=models.LabourOperation.objects.none(), required=False
    )
    part = forms.ModelChoiceField(label=_("Part"), queryset=models.Part.objects.none(), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=8, decimal_places=2, min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, initial=1
    )

    def __init__(self, *args, package, **kwargs):
        super().__init__(*args, **kwargs)
        # Only entries the package's store (or, for a group package, every store) can see.
        for name, model in (("operation", models.LabourOperation), ("part", models.Part)):
            self.fields[name].queryset = model.objects.filter(
                Q(store__isnull=True) | Q(store_id=package.store_id), group_id=package.group_id
            ).order_by(model.key_lookup)

    def clean(self):
        cleaned = super().clean()
        if (
            self.has_changed()
            and not cleaned.get("DELETE")
            and bool(cleaned.get("operation")) == bool(cleaned.get("part"))
        ):
            raise ValidationError(_("A line is either an operation or a part."))
        return cleaned


PackageLineFormSet = forms.formset_factory(PackageLineForm, extra=3, can_delete=True)
