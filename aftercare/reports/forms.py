from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.core.forms import StyledForm


class PeriodForm(StyledForm):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores"))] + [(s.pk, s.name) for s in stores]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or today.replace(day=1)
        data["end"] = data.get("end") or today
        if data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data


MONTH_FORMATS = ["%Y-%m"]


class MonthInput(forms.DateInput):
    """The browser's month picker. Its own class, so core.forms' date picker leaves it a month."""

    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m")


class MonthField(forms.DateField):
    """A month as YYYY-MM (the browser's month picker), cleaned to its first day."""

    widget = MonthInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=MONTH_FORMATS, **kwargs)


class ReportFilterForm(StyledForm):
    """The filters of every report (reports/framework.py): store, period (a day, a month or a
    range of days) and, where the report has one, the advisor."""

    period = forms.ChoiceField(label=_("Period"), required=False)
    day = forms.DateField(label=_("Day"), required=False)
    month = MonthField(label=_("Month"), required=False)
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)
    advisor = forms.TypedChoiceField(label=_("Service advisor"), required=False, coerce=int, empty_value=None)

    PERIOD_LABELS = {"day": _("Day"), "month": _("Month"), "range": _("Date range")}

    def __init__(self, *args, report, stores, advisors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.fields["period"].choices = [(p, self.PERIOD_LABELS[p]) for p in report.periods]
        self.fields["store"].choices = [("", _("All my stores"))] + [(s.pk, s.name) for s in stores]
        if report.has_advisor:
            self.fields["advisor"].choices = [("", _("All advisors"))] + [
                (a.pk, a.full_name or a.username) for a in advisors
            ]
        else:
            del self.fields["advisor"]
        for name in ("day", "month", "start", "end"):
            kind = "range" if name in ("start", "end") else name
            if kind not in report.periods:
                del self.fields[name]

    def clean(self):
        from .framework import MAX_RANGE_DAYS, month_bounds

        data = super().clean()
        today = timezone.localdate()
        period = data.get("period") or self.report.default_period
        if period not in self.report.periods:
            period = self.report.periods[0]
        data["period"] = period
        if period == "day":
            data["start"] = data["end"] = data.get("day") or today
        elif period == "month":
            start, end = month_bounds(data.get("month") or today)
            data["start"], data["end"] = start, min(end, max(today, start))
        else:
            data["start"] = data.get("start") or today.replace(day=1)
            data["end"] = data.get("end") or today
            if data["end"] < data["start"]:
                self.add_error("end", _("The end is before the start."))
            elif (data["end"] - data["start"]).days > MAX_RANGE_DAYS:
                self.add_error("end", _("Choose at most two years."))
        return data

    def clean_unbound(self) -> dict:
        """The defaults when no filter was given (the current month, or today for a daily report)."""
        self.cleaned_data = {}
        return self.clean()


class TargetForm(StyledForm):
    """A store's targets of one month: a field per figure (reports.targets.TARGET_KEYS); a rate in percent."""

    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    month = MonthField(label=_("Month"))

    def __init__(self, *args, stores, keys, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys = keys
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]
        for spec in keys.values():
            if spec.kind == "pct":
                field = forms.DecimalField(
                    label=f"{spec.label} (%)", min_value=0, max_value=100, decimal_places=1, required=False
                )
            elif spec.kind == "int":
                field = forms.IntegerField(label=spec.label, min_value=0, max_value=10_000_000, required=False)
            else:
                field = forms.DecimalField(
                    label=spec.label, min_value=0, max_value=Decimal("9999999999.99"), decimal_places=2, required=False
                )
            self.fields[f"t_{spec.key}"] = field

    def values(self) -> dict:
        """{key: value or None}, a rate as a fraction 0..1."""
        result = {}
        for key, spec in self.keys.items():
            value = self.cleaned_data.get(f"t_{key}")
            if value is not None and spec.kind == "pct":
                value = (Decimal(value) / 100).quantize(Decimal("0.0001"))
            result[key] = value
        return result


class LabourCostForm(StyledForm):
    """A store's labour cost per FRT hour, used by the service profit report (docs/DOMAIN.md §18.7)."""

    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    labour_cost_per_hour = forms.DecimalField(
        label=_("Labour cost per hour (¥)"), min_value=0, max_value=Decimal("10000"), max_digits=8, decimal_places=2
    )

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]


class CrmReportForm(StyledForm):
    """Which store's report for which month (docs/DOMAIN.md §18.6)."""

    store = forms.TypedChoiceField(label=_("Store"), coerce=int)
    month = MonthField(label=_("Month"))

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [(s.pk, s.name) for s in stores]


class CrmReportGenerateForm(StyledForm):
    reason = forms.CharField(label=_("Why regenerate"), max_length=200, required=False)
