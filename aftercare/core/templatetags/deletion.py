"""`{% delete_link "repair_order" order %}`: the button to delete a document, shown only to a
user who holds the document's delete permission (docs/DOMAIN.md §24.4)."""

from django import template
from django.urls import reverse

from ..services import deletable

register = template.Library()


@register.inclusion_tag("includes/delete_link.html", takes_context=True)
def delete_link(context, kind: str, obj):
    entry = deletable(kind)
    request = context.get("request")
    user = getattr(request, "user", None)
    allowed = entry is not None and user is not None and user.has_perm(entry.perm, obj)
    url = reverse("core:document_delete", args=[kind, obj.pk]) if allowed else ""
    return {"url": url}
