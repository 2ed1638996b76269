from django.conf import settings

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.navigation import navigation_for


def shell(request):
    """What the base layout needs: navigation for the user's roles, stores to switch to."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"DEMO_MODE": settings.DEMO_MODE}
    return {
        "nav_items": navigation_for(request),
        "current_store": getattr(request, "store", None),
        # Lazy: only evaluated when the user has several stores to switch between.
        "switchable_stores": Store.objects.for_user(user),
        "can_search": user.has_perm(Perm.CUSTOMER_VIEW),
        "DEMO_MODE": settings.DEMO_MODE,
    }
