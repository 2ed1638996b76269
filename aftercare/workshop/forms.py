from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.models import Bay, LabourOperation, Part
from aftercare.core.forms import StyledForm
from aftercare.core.money import MAX_QUANTITY, MIN_QUANTITY
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import ROAD_TEST_CATEGORIES, CheckResult, InspectionResult
from .models import Job
from .services import WORKSHOP_ROLES, applicable_inspection_items


def workshop_staff(store):
    """Technicians and foremen of a store (by store or group-wide membership)."""
    return (
        get_user_model()
        .objects.filter(
            Q(memberships__store=store) | Q(memberships__store__isnull=True, memberships__group_id=store.group_id),
            memberships__is_active=True,
            memberships__role__in=WORKSHOP_ROLES,
            is_active=True,
        )
        .distinct()
        .order_by("full_name", "username")
    )


class DispatchForm(StyledForm):
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=get_user_model().objects.none())
    bay = forms.ModelChoiceField(label=_("Bay"), queryset=Bay.objects.none(), required=False)
    required_finish_at = forms.DateTimeField(
        label=_("Finish by"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technician"].queryset = workshop_staff(store)
        self.fields["bay"].queryset = Bay.objects.filter(store=store).active()


class DispatchManyForm(DispatchForm):
    """Several jobs of one order to one technician (and bay) at once."""

    lines = forms.ModelMultipleChoiceField(
        label=_("Jobs"), queryset=RepairOrderLine.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    field_order = ["lines", "technician", "bay", "required_finish_at"]

    def __init__(self, *args, store, lines, **kwargs):
        super().__init__(*args, store=store, **kwargs)
        self.fields["lines"].queryset = RepairOrderLine.objects.filter(pk__in=[line.pk for line in lines])
        self.fields["lines"].label_from_instance = lambda line: f"{line.code} {line.description}"


class FindingForm(StyledForm):
    description = forms.CharField(label=_("What did you find?"), max_length=300)
    operation = forms.ModelChoiceField(
        label=_("Suggested operation"), queryset=LabourOperation.objects.none(), required=False
    )
    part = forms.ModelChoiceField(label=_("Suggested part"), queryset=Part.objects.none(), required=False)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=MIN_QUANTITY, max_value=MAX_QUANTITY, initial=1, max_digits=10, decimal_places=2
    )

    def __init__(self, *args, store, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operation"].queryset = LabourOperation.objects.effective_for_store(store).active()
        self.fields["part"].queryset = Part.objects.effective_for_store(store).active()

    def clean(self):
        data = super().clean()
        if data.get("operation") and data.get("part"):
            raise forms.ValidationError(_("Suggest an operation or a part, not both."))
        return data


class QualityCheckForm(StyledForm):
    """The final-inspection checklist: one OK / not OK / N/A answer per catalogue item."""

    result = forms.ChoiceField(label=_("Result"), choices=InspectionResult.choices, widget=forms.RadioSelect)
    road_test_required = forms.BooleanField(label=_("Road test needed"), required=False)
    road_test_done = forms.BooleanField(label=_("Road test done"), required=False)
    reason = forms.CharField(label=_("Reason / notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    rework_lines = forms.ModelMultipleChoiceField(
        label=_("Jobs to redo"), queryset=Job.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, order: RepairOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = applicable_inspection_items(order)
        for item in self.items:
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=item.name, choices=CheckResult.choices, widget=forms.RadioSelect, initial=CheckResult.OK
            )
        jobs = Job.objects.filter(repair_order=order).select_related("line", "technician")
        self.fields["rework_lines"].queryset = jobs
        self.fields["rework_lines"].label_from_instance = lambda job: f"{job.line.description} · {job.technician}"
        self.fields["road_test_required"].initial = jobs.filter(
            line__operation__category__code__in=ROAD_TEST_CATEGORIES
        ).exists()

    def item_fields(self):
        return [self[f"item_{item.code}"] for item in self.items]

    def results(self) -> dict[str, str]:
        return {item.code: self.cleaned_data.get(f"item_{item.code}") for item in self.items}
