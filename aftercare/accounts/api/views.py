from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from aftercare.core.models import Store

from .. import twofactor
from ..models import ApiToken
from .serializers import MeSerializer, StoreSerializer


class TokenView(ObtainAuthToken):
    """POST username and password, get {"token": "..."}; send it as
    `Authorization: Token <token>`. Failed attempts count towards the lockout.
    A user whose role requires two-factor sign-in, or who enrolled a device, also sends
    `otp_token` (the authenticator's code or a recovery code): a token is issued only to a user
    who passed the second factor (docs/DOMAIN.md §24.1).
    Each call issues a new token, valid for API_TOKEN_DAYS days; a password change or a
    deactivation revokes it, and the user sees and revokes their tokens on the "API tokens" page."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "otp_token": serializers.CharField(required=False),
            },
        ),
        responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        if twofactor.needs_verification(user) and twofactor.check(user, str(request.data.get("otp_token", ""))) is None:
            raise PermissionDenied(_("Two-factor sign-in required: send otp_token with a current code."))
        _token, key = ApiToken.issue(user, name="API")
        return Response({"token": key})


class MeView(generics.RetrieveAPIView):
    """The signed-in user, their stores, roles and permissions there."""

    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user


class StoreViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StoreSerializer

    def get_queryset(self):
        return Store.objects.for_user(self.request.user).select_related("group")
