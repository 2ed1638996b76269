"""The app's URLs plus the do-nothing views the page and API floors are measured with.

Used only by the in-process benchmark (never by a server): the floor of a
page is a view that does nothing, reached through the same URL resolver,
middleware, session and authentication as the real one.
"""

from django.http import HttpRequest, HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.urls import handler500
from aftercare.urls import urlpatterns as app_urlpatterns


def noop_page(request: HttpRequest) -> HttpResponse:
    """A logged-in user, no work: the middleware stack and the session are the whole cost."""
    return HttpResponse(b"ok" if request.user.is_authenticated else b"anonymous")


class NoopAPI(APIView):
    """The same authentication and permission classes as every API view, no work."""

    def get(self, request):
        return Response([])


urlpatterns = [
    path("bench/noop/", noop_page),
    path("api/v1/bench/noop/", NoopAPI.as_view()),
    *app_urlpatterns,
]

__all__ = ["handler500", "urlpatterns"]
