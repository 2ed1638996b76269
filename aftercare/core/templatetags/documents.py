"""Document numbers run per store (core.services.next_document_number), so a list that
mixes stores shows each number with its store:

    {% load documents %}{{ complaint.number }}{% number_store complaint %}

Staff of one store see the number alone (and the page costs no query more)."""

from django import template
from django.utils.html import format_html

from aftercare.core.models import Store

register = template.Library()


def _store_names(user) -> dict[int, str]:
    """{store id: name} of the viewer's stores when there are several, else {}; once a request."""
    if user is None or not user.is_authenticated:
        return {}
    if not hasattr(user, "_number_store_names"):
        store_ids = user.store_ids()
        user._number_store_names = (
            dict(Store.objects.filter(pk__in=store_ids).values_list("pk", "name")) if len(store_ids) > 1 else {}
        )
    return user._number_store_names


@register.simple_tag(takes_context=True)
def number_store(context, obj) -> str:
    """The store of `obj` (anything with a store_id, or a store id) as a small label."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    names = _store_names(user)
    if not names:
        return ""
    name = names.get(obj if isinstance(obj, int) else getattr(obj, "store_id", None))
    if not name:
        return ""
    return format_html('<span class="badge text-bg-light border ms-1" data-testid="number-store">{}</span>', name)
