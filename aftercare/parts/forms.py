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
