from django.conf import settings
from django.utils.functional import SimpleLazyObject

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.navigation import navigation_for


def shell(request):
    """What the base layout needs: navigation for the user's roles, stores to switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"DEMO_MODE": settings.DEMO_MODE}
    return {
        # Lazy, like the stores below: htmx partials (a search keystroke, the board's
        # refresh) render with this context too and show no navigation.
        "nav_entries": SimpleLazyObject(lambda: navigation_for(request)),
        "current_store": getattr(request, "store", None),
        # Lazy: only evaluated when the user has several stores to switch between.
        "switchable_stores": Store.objects.for_user(user),
        "can_search": SimpleLazyObject(lambda: user.has_perm(Perm.CUSTOMER_VIEW)),
        "DEMO_MODE": settings.DEMO_MODE,
    }
