"""The kinds of catalogue entry, each with its model, form, filter set and table (a template partial):
the generic pages and the menu are driven from this one list."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import filters, forms, models


@dataclass(frozen=True)
class Kind:
    model: type
    label: str
    description: str
    form: type
    filterset: type
    select_related: tuple[str, ...] = ("store",)

    @property
    def slug(self) -> str:
        return self.model.url_kind

    @property
    def table(self) -> str:
        """The kind's table head and rows: a named partial of catalog/_tables.html."""
        return f"catalog/_tables.html#{self.slug}"


KINDS = [
    Kind(
        models.RepairType,
        _("Repair types"),
        _("Why the car is in and who pays: customer, warranty, internal or insurer."),
        forms.RepairTypeForm,
        filters.RepairTypeFilterSet,
    ),
    Kind(
        models.LabourRate,
        _("Labour rates"),
        _("The hourly labour rate of each repair type."),
        forms.LabourRateForm,
        filters.LabourRateFilterSet,
        ("store", "repair_type"),
    ),
    Kind(
        models.OperationCategory,
        _("Operation categories"),
        _("Groups of labour operations."),
        forms.OperationCategoryForm,
        filters.OperationCategoryFilterSet,
    ),
    Kind(
        models.LabourOperation,
        _("Labour operations"),
        _("Operations with their FRT standard hours."),
        forms.LabourOperationForm,
        filters.LabourOperationFilterSet,
        ("store", "category"),
    ),
    Kind(
        models.Part,
        _("Parts"),
        _("Part numbers and prices used by package jobs and estimates."),
        forms.PartForm,
        filters.PartFilterSet,
    ),
    Kind(
        models.PackageJob,
        _("Package jobs"),
        _("Operations and parts sold together, such as a 10,000 km service."),
        forms.PackageJobForm,
        filters.PackageJobFilterSet,
        ("store", "repair_type"),
    ),
    Kind(
        models.OtherCharge,
        _("Other charges"),
        _("Charges that are neither labour nor parts."),
        forms.OtherChargeForm,
        filters.OtherChargeFilterSet,
    ),
    Kind(
        models.Bay,
        _("Bays"),
        _("The store's workshop bays and what they are equipped for."),
        forms.BayForm,
        filters.BayFilterSet,
    ),
    Kind(
        models.InspectionItem,
        _("Inspection items"),
        _("The checklist used at reception and final inspection."),
        forms.InspectionItemForm,
        filters.InspectionItemFilterSet,
    ),
    Kind(
        models.SurveyQuestion,
        _("Survey questions"),
        _("Questions of the follow-up satisfaction survey."),
        forms.SurveyQuestionForm,
        filters.SurveyQuestionFilterSet,
    ),
    Kind(
        models.DiscountLevel,
        _("Discount levels"),
        _("Labour and parts discounts by customer level."),
        forms.DiscountLevelForm,
        filters.DiscountLevelFilterSet,
    ),
]

KINDS_BY_SLUG = {kind.slug: kind for kind in KINDS}
