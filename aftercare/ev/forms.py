"""The reception's entry from the diagnostic tool (docs/DOMAIN.md §17.2)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm

from .choices import Controller, UpdateChannel

PCT = {"min_value": Decimal("0"), "max_value": Decimal("100"), "max_digits": 5, "decimal_places": 2}


class ReadingForm(StyledForm):
    read_at = forms.DateTimeField(label=_("Read at"))
    soh = forms.DecimalField(label=_("State of health (%)"), **PCT)
    soc = forms.DecimalField(label=_("State of charge (%)"), required=False, **PCT)
    cycle_count = forms.IntegerField(label=_("Cycle count"), required=False, min_value=0, max_value=100_000)
    cell_spread_mv = forms.IntegerField(label=_("Cell voltage spread (mV)"), required=False, min_value=0,
                                        max_value=5_000)  # fmt: skip
    max_cell_temp = forms.DecimalField(label=_("Max cell temperature (°C)"), required=False, min_value=-50,
                                       max_value=150, max_digits=4, decimal_places=1)  # fmt: skip
    dc_share = forms.DecimalField(label=_("DC fast charging share (%)"), required=False, **PCT)
    code = forms.CharField(label=_("Fault code"), required=False, max_length=12)
    code_description = forms.CharField(label=_("Fault description"), required=False, max_length=200)


class VersionForm(StyledForm):
    controller = forms.ChoiceField(label=_("Controller"), choices=Controller.choices)
    version = forms.CharField(label=_("Version"), max_length=40)
    installed_at = forms.DateTimeField(label=_("Installed at"))
    channel = forms.ChoiceField(label=_("Where"), choices=UpdateChannel.choices)
