from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .bounds import TEXT_MAX_LENGTH
from .dates import validate_plausible_date


class StyledFormMixin:
    """Gives every widget the Bootstrap class it needs, so templates stay plain
    `{% include "includes/form.html" %}` and no form repeats widget attrs.

    It also bounds what every form takes (core.bounds): a date or time within
    core.dates' range, and free text without a length of its own at TEXT_MAX_LENGTH.

    And it draws every date, date-time and time field as the browser's own
    picker, filled in the one format the picker reads whatever the language
    (_picker): a localised value (2022/03/14 in Chinese) would show an empty
    picker, and saving would write the date away."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _bound(field)
            _picker(field)
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def _bound(field: forms.Field) -> None:
    if isinstance(field, (forms.DateField, forms.DateTimeField)):
        if validate_plausible_date not in field.validators:
            field.validators.append(validate_plausible_date)
    elif (
        type(field) is forms.CharField
        and field.max_length is None
        and isinstance(field.widget, (forms.TextInput, forms.Textarea))  # what a person types
    ):
        field.max_length = TEXT_MAX_LENGTH
        field.validators.append(MaxLengthValidator(TEXT_MAX_LENGTH))
        field.widget.attrs.update(field.widget_attrs(field.widget))


# What <input type="date|datetime-local|time"> accept as their value, in every
# language (HTML's "valid date string" etc.), by the kind of form field.
PICKERS: tuple[tuple[type[forms.Field], type[forms.Widget], str, str], ...] = (
    (forms.DateTimeField, forms.DateTimeInput, "datetime-local", "%Y-%m-%dT%H:%M"),
    (forms.DateField, forms.DateInput, "date", "%Y-%m-%d"),
    (forms.TimeField, forms.TimeInput, "time", "%H:%M"),
)


def _picker(field: forms.Field) -> None:
    """A date, date-time or time field's text input becomes the browser's
    picker with its value in ISO format. Hidden and split widgets are left as
    they are. The form parses what the picker sends with its usual input formats
    (ISO is among them in every language)."""
    for field_class, widget_class, input_type, value_format in PICKERS:
        if isinstance(field, field_class):
            widget = field.widget
            if type(widget) is widget_class:  # not a HiddenInput or a subclass with its own idea
                widget.input_type = input_type
                widget.format = value_format
            return


class StyledForm(StyledFormMixin, forms.Form):
    pass


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no list filter whose empty choice reads 全部 (all): Django's own
    NullBooleanSelect says "Unknown", which is wrong for a filter left unset."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (
            ("unknown", pgettext_lazy("filter", "All")),
            ("true", _("Yes")),
            ("false", _("No")),
        )


def add_service_errors(form, error, *, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError onto a form, field by field, so the user
    sees it next to what they typed; errors on fields the form does not have
    (or without a field) become form-wide errors. `rename` maps a service's
    field name to the form's where they differ. The errors keep their codes,
    so a view can ask `form.has_error(NON_FIELD_ERRORS, code)`.

    On a formset every error goes above the rows: a service judges the lines
    as a whole, and its field names do not say which row."""
    if isinstance(form, forms.BaseFormSet):
        # non_form_errors() hands back the formset's own list; adding to it is
        # how an error found after clean() reaches the page.
        form.non_form_errors().extend(error.messages)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = (rename or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)


class DocumentDeleteForm(StyledForm):
    """The reason for deleting a business document (docs/DOMAIN.md §24.4)."""

    reason = forms.CharField(label=_("Reason for deleting"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
