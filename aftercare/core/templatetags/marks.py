"""{% customer_badge customer_id %}: the badges other apps put on a customer (core.marks).
A list page passes `customer_badges` (customer_badges() of all its rows, one query); a page
about one customer lets the tag ask for that one."""

from django import template
from django.utils.html import format_html, format_html_join

from aftercare.core.marks import customer_badges

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_badge(context, customer_id) -> str:
    if not customer_id:
        return ""
    known = context.get("customer_badges")
    badges = (known if known is not None else customer_badges([customer_id])).get(customer_id, [])
    return format_html_join(
        " ",
        '<span class="badge text-bg-{} ms-1" title="{}" data-testid="badge-{}">{}</span>',
        ((badge.colour, badge.title, badge.key, badge.label) for badge in badges),
    )


@register.simple_tag
def priority_mark(label) -> str:
    if not label:
        return ""
    return format_html('<span class="badge text-bg-danger ms-1" data-testid="priority-mark">{}</span>', label)
