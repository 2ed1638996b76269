from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftercare.catalog.choices import AnswerType
from aftercare.core.forms import StyledForm, StyledFormMixin

from .choices import SurveyKind
from .selectors import DIMENSIONS

# The customer taps a number; the word under it says which end of the scale is good.
SCORE_CHOICES = [
    ("5", _("Very satisfied")),
    ("4", _("Satisfied")),
    ("3", _("Neutral")),
    ("2", _("Dissatisfied")),
    ("1", _("Very dissatisfied")),
]
YES_NO_CHOICES = [("yes", _("Yes")), ("no", _("No"))]


class AnswerForm(StyledFormMixin, forms.Form):
    """The questions of one survey as fields `q_<question id>`, plus an optional
    overall score and a comment. Used by the caller's page and the customer's link."""

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.ordered_questions())
        fields = {}
        score_names = {"overall"} | {f"q_{q.pk}" for q in self.questions if q.answer_type == AnswerType.SCORE}
        for question in self.questions:
            name = f"q_{question.pk}"
            if question.answer_type == AnswerType.SCORE:
                fields[name] = forms.ChoiceField(label=question.text, choices=SCORE_CHOICES, widget=forms.RadioSelect)
            elif question.answer_type == AnswerType.YES_NO:
                fields[name] = forms.ChoiceField(label=question.text, choices=YES_NO_CHOICES, widget=forms.RadioSelect)
            else:
                fields[name] = forms.CharField(
                    label=question.text, required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
                )
        fields["overall"] = forms.TypedChoiceField(
            label=_("Overall, how satisfied are you?"),
            choices=SCORE_CHOICES,
            coerce=int,
            required=False,
            empty_value=None,
            widget=forms.RadioSelect,
            help_text=_("Leave empty to use the average of the scores."),
        )
        for name, field in fields.items():
            # Read by _answer_fields.html, which draws a score as its number over its word.
            field.is_score = name in score_names
        self.fields.update(fields)
        # StyledFormMixin ran before these fields existed.
        for field in fields.values():
            is_radio = isinstance(field.widget, forms.RadioSelect)
            field.widget.attrs["class"] = "form-check-input" if is_radio else "form-control"

    def answers(self) -> dict:
        return {q.pk: self.cleaned_data.get(f"q_{q.pk}") for q in self.questions}

    def question_fields(self):
        return [self[f"q_{q.pk}"] for q in self.questions]


def _month_start(today: date) -> date:
    return today.replace(day=1)


class ResultsFilterForm(StyledForm):
    start = forms.DateField(label=_("From"), required=False)
    end = forms.DateField(label=_("To"), required=False)
    by = forms.ChoiceField(label=_("Group by"), required=False, choices=[(k, d.label) for k, d in DIMENSIONS.items()])
    store = forms.TypedChoiceField(label=_("Store"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label=_("Survey"), required=False, choices=[("", _("All")), *SurveyKind.choices])

    def __init__(self, *args, stores, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["store"].choices = [("", _("All my stores"))] + [(s.pk, s.name) for s in stores]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["start"] = data.get("start") or _month_start(today)
        data["end"] = data.get("end") or today
        data["by"] = data.get("by") or "advisor"
        if data["end"] < data["start"]:
            self.add_error("end", _("The end is before the start."))
        return data
