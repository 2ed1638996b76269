from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.core.forms import StyledForm

from .choices import DocumentKind, OrderType


class ScanForm(StyledForm):
    """Barcode or part number, as a keyboard-wedge scanner types it (number + Enter)."""

    code = forms.CharField(label=_("Scan or type a part number"), max_length=40)


class IssueForm(StyledForm):
    quantity = forms.DecimalField(label=_("Quantity"), required=False, max_digits=8, decimal_places=2)
    bin = forms.CharField(label=_("Bin"), max_length=20, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=50, required=False)
    return_tag = forms.CharField(label=_("Old-part return tag"), max_length=40, required=False)


class ReturnForm(StyledForm):
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=8, decimal_places=2)
    bin = forms.CharField(label=_("Bin"), max_length=20, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=50, required=False)


class AdjustForm(StyledForm):
    quantity = forms.CharField(label=_("Quantity (negative takes out)"), max_length=12)
    bin = forms.CharField(label=_("Bin"), max_length=20, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)


class LevelsForm(StyledForm):
    min_qty = forms.DecimalField(label=_("MIN"), required=False, max_digits=8, decimal_places=2)
    max_qty = forms.DecimalField(label=_("MAX"), required=False, max_digits=8, decimal_places=2)
    reason = forms.CharField(label=_("Why"), max_length=200)


class ReceiveLineForm(StyledForm):
    quantity = forms.DecimalField(label=_("Received"), required=False, max_digits=8, decimal_places=2)
    bin = forms.CharField(label=_("Bin"), max_length=20, required=False)
    serials = forms.CharField(
        label=_("Serial numbers (one per line)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DocumentForm(StyledForm):
    kind = forms.ChoiceField(label=pgettext_lazy("special-part document", "Document"), choices=DocumentKind.choices)
    file = forms.FileField(label=_("File"))
    shows_plate = forms.BooleanField(label=_("The plate is visible"), required=False)


class SuggestionOrderForm(StyledForm):
    order_type = forms.ChoiceField(label=_("Order type"), choices=OrderType.choices)


class CancelBackOrderForm(StyledForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class RejectCountForm(StyledForm):
    reason = forms.CharField(label=_("Why (a recount is needed)"), max_length=200)


class SupplierForm(StyledForm):
    """A supplier's terms, in days, as the reorder formula reads them (docs/DOMAIN.md §12.2)."""

    name = forms.CharField(label=_("Name"), max_length=100)
    order_cycle_days = forms.IntegerField(label=_("Order cycle (days)"), min_value=1, max_value=90, initial=7)
    lead_time_days = forms.IntegerField(label=_("Lead time (days)"), min_value=0, max_value=180, initial=3)
    safety_days = forms.IntegerField(label=_("Safety stock (days)"), min_value=0, max_value=90, initial=5)
    regular_weekday = forms.TypedChoiceField(
        label=_("Regular order day"), coerce=int, initial=1,
        choices=[(1, _("Monday")), (2, _("Tuesday")), (3, _("Wednesday")), (4, _("Thursday")), (5, _("Friday")),
                 (6, _("Saturday")), (7, _("Sunday"))],
    )  # fmt: skip
    transport = forms.CharField(label=_("Transport"), max_length=50, required=False)
    follows_official_holidays = forms.BooleanField(
        label=_("Closes on China's official holidays"), required=False, initial=True
    )


class ClosureForm(StyledForm):
    first_day = forms.DateField(label=_("First day"))
    last_day = forms.DateField(label=_("Last day"))
