"""Phones in templates, masked by the same rule as the API (core.masking.shown_phone):

{% load masking %}
{% shown_phone order.contact_phone order as phone %}{{ phone }}
{% may_reveal order as reveal %}{% if reveal %}<a href="tel:…">{% endif %}
"""

from django import template

from aftercare.core.masking import may_reveal as _may_reveal
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
