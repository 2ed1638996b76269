"""{% customer_badge customer_id %}: the badges other apps put on a customer (core.marks).
A list page passes `customer_badges` (customer_badges() of all its rows, one query); a page
about one customer lets the tag ask for that one, and `card=True` shows each badge as a card:
its hover text written out and its contact phone (the customer page, the vehicle page)."""

from django import template
from django.utils.html import format_html, format_html_join

from aftercare.core.marks import customer_badges

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_badge(context, customer_id, card=False) -> str:
    if not customer_id:
        return ""
    known = context.get("customer_badges")
    badges = (known if known is not None else customer_badges([customer_id])).get(customer_id, [])
    if card:
        return format_html_join(
            " ",
            '<span class="d-inline-flex align-items-center gap-1 border rounded px-2 py-1 small" data-testid="card-{}">'
            '<span class="badge text-bg-{}">{}</span> <span>{}</span>{}</span>',
            (
                (
                    badge.key, badge.colour, badge.label, badge.title,
                    format_html(' <a class="font-monospace" href="tel:{}">{}</a>', badge.contact, badge.contact)
                    if badge.contact else "",
                )
                for badge in badges
            ),
        )  # fmt: skip
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
