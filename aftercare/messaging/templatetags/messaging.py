"""{% refusals customer as refused %}: the purposes the customer withdrew, for the
caller screen and any page about a task for that customer (docs/DOMAIN.md §15.1)."""

from django import template

register = template.Library()


@register.simple_tag
def refusals(customer) -> list[str]:
    from aftercare.messaging.services import refusals as withdrawn

    return withdrawn(customer) if customer is not None else []
