from django import forms


class StyledFormMixin:
    """Gives every widget the Bootstrap class it needs, so templates stay plain
    `{% include "includes/form.html" %}` and no form repeats widget attrs."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
                css = "form-check-input"
            elif isinstance(widget, (forms.Select, forms.SelectMultiple)):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class StyledForm(StyledFormMixin, forms.Form):
    pass


def add_service_errors(form, error, *, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError onto a form, field by field, so the user
    sees it next to what they typed; errors on fields the form does not have
    (or without a field) become form-wide errors. `rename` maps a service's
    field name to the form's where they differ."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.message_dict.items():
        target = (rename or {}).get(name, name)
        form.add_error(target if target in form.fields else None, errors)
