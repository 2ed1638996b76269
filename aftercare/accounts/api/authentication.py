"""`Authorization: Token <key>` against accounts.ApiToken: revoked or expired tokens and inactive
users are refused, and each token records when it was last used."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed

from ..models import ApiToken

# last_used_at is written at most this often per token: one UPDATE, not one per request.
LAST_USED_GRANULARITY = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    model = ApiToken

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.for_key(key)
        except ApiToken.DoesNotExist:
            raise AuthenticationFailed(_("Invalid token.")) from None
        if not token.is_usable:
            raise AuthenticationFailed(_("This token has expired or was revoked."))
        if not token.user.is_active:
            raise AuthenticationFailed(_("User inactive or deleted."))
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_GRANULARITY)
        ).update(last_used_at=now)
        return token.user, token
