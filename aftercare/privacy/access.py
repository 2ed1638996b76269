"""The access log of personal data and its volume alert (docs/DOMAIN.md §16.7).

One append-only INSERT per view (one multi-row INSERT when a page shows several
profiles), and for a profile view one SELECT that answers both the user's views
of the last hour and the store's limit. Revealed mobiles and exported lists are
already in the audit trail (`contact_reveal`, `customers.exports`): the manager's
screens read them from there beside this log rather than writing them twice."""

from datetime import timedelta

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from aftercare.core.audit import current_ip
from aftercare.core.models import Store

from .choices import AccessKind
from .models import AccessAlert, AccessLog, PrivacySettings

# A profile look that counts towards the hourly limit.
PROFILE_KINDS = (AccessKind.PROFILE, AccessKind.API_DETAIL)
DEFAULT_VIEWS_PER_HOUR = PrivacySettings._meta.get_field("profile_views_per_hour").default


def access_record(*, user, store_id, customer_ids, kind: str, records: int = 1, ip: str | None = None, at=None):
    """Log a look at personal data. `user` None is the customer (a download link)."""
    at = at or timezone.now()
    ip = ip or current_ip.get()
    user_id = getattr(user, "pk", None) if user is not None and user.is_authenticated else None
    rows = [
        AccessLog(store_id=store_id, user_id=user_id, customer_id=pk, kind=kind, at=at, ip_address=ip, records=records)
        for pk in customer_ids
    ] or [AccessLog(store_id=store_id, user_id=user_id, kind=kind, at=at, ip_address=ip, records=records)]
    AccessLog.objects.bulk_create(rows)
    if user_id is not None and kind in PROFILE_KINDS:
        _check_volume(store_id=store_id, user_id=user_id, at=at)


def _check_volume(*, store_id, user_id, at) -> None:
    """Raise one alert per user and hour once the user's profile views of the last
    60 minutes pass the store's limit (docs/DOMAIN.md §16.7)."""
    views = (
        AccessLog.objects.filter(user_id=user_id, store_id=OuterRef("pk"), kind__in=PROFILE_KINDS,
                                 at__gt=at - timedelta(hours=1), at__lte=at)
        .order_by()
        .values("store_id")
        .annotate(n=Count("pk"))
        .values("n")
    )  # fmt: skip
    limit = PrivacySettings.objects.filter(store_id=OuterRef("pk")).values("profile_views_per_hour")
    row = (
        Store.objects.filter(pk=store_id)
        .annotate(
            views=Coalesce(Subquery(views, output_field=IntegerField()), Value(0)),
            limit=Coalesce(Subquery(limit, output_field=IntegerField()), Value(DEFAULT_VIEWS_PER_HOUR)),
        )
        .values_list("views", "limit")
        .first()
    )
    if row and row[0] > row[1]:
        hour = at.replace(minute=0, second=0, microsecond=0)
        AccessAlert.objects.bulk_create(
            [AccessAlert(store_id=store_id, user_id=user_id, hour=hour, views=row[0], raised_at=at)],
            ignore_conflicts=True,
        )
