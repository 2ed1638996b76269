from aftercare.core.models import Store

SESSION_KEY = "current_store_id"


class CurrentStoreMiddleware:
    """Sets `request.store`: the store the user is working in now.

    Staff of several stores switch it in the top bar; it is the default for
    new documents and list filters, never a substitute for for_user() scoping.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            allowed = user.store_ids()
            wanted = request.session.get(SESSION_KEY)
            store_id = wanted if wanted in allowed else (allowed[0] if allowed else None)
            if store_id is not None:
                request.store = Store.objects.filter(pk=store_id).select_related("group").first()
        return self.get_response(request)
