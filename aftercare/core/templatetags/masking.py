"""Phones in templates, masked by the same rule as the API (core.masking.shown_phone):

{% load masking %}
{% shown_phone order.contact_phone order as phone %}{{ phone }}
{% may_reveal order as reveal %}{% if reveal %}<a href="tel:…">{% endif %}
"""

from django import template

from aftercare.core.masking import field_visible as _field_visible
from aftercare.core.masking import may_reveal as _may_reveal
from aftercare.core.masking import shown_field as _shown_field
from aftercare.core.masking import shown_phone as _shown_phone

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None) or context.get("user")


@register.simple_tag(takes_context=True)
def shown_phone(context, value, obj) -> str:
    return _shown_phone(_user(context), obj, value)


@register.simple_tag(takes_context=True)
def may_reveal(context, obj) -> bool:
    return _may_reveal(_user(context), obj)


@register.simple_tag(takes_context=True)
def shown_field(context, obj, field, hidden="—"):
    """`{% shown_field customer "birthday" as birthday %}`: the value, or "—" for a role that
    may not see the field (docs/DOMAIN.md §24.2)."""
    return _shown_field(_user(context), obj, field, hidden=hidden)


@register.simple_tag(takes_context=True)
def field_visible(context, obj, field) -> bool:
    return _field_visible(_user(context), obj, field)
