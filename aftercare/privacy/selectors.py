"""Reads of the rights desk and the access log (docs/DOMAIN.md §16.5, §16.3)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm

from .choices import OPEN_STATUSES, AccessKind
from .models import AccessAlert, AccessLog, RightsRequest
from .workdays import working_days_between


def requests_for(user, *, open_only: bool = False):
    rows = RightsRequest.objects.for_user(user, Perm.PRIVACY_REQUEST).select_related("customer", "store")
    if open_only:
        rows = rows.filter(status__in=OPEN_STATUSES)
    return rows.order_by("closed_at", "due_on", "id")


def working_days_left(request: RightsRequest) -> int:
    return working_days_between(timezone.localdate(), request.due_on)


@dataclass
class Look:
    """One look at personal data, from the access log or from the audit trail."""

    at: datetime
    user: str
    customer_id: int | None
    customer: str
    kind: str
    ip: str | None
    records: int


def period(start, end) -> tuple[datetime, datetime]:
    end = end or timezone.localdate()
    start = start or end - timedelta(days=30)
    zone = timezone.get_current_timezone()
    return datetime.combine(start, time.min, zone), datetime.combine(end + timedelta(days=1), time.min, zone)


def _log_looks(rows) -> list[Look]:
    labels = dict(AccessKind.choices)
    return [
        Look(at=r.at, user=r.user.get_username() if r.user_id else "", customer_id=r.customer_id,
             customer=str(r.customer) if r.customer_id else "", kind=labels[r.kind], ip=r.ip_address,
             records=r.records)
        for r in rows.select_related("user", "customer")[:500]
    ]  # fmt: skip


def _audit_looks(rows) -> list[Look]:
    """Revealed mobiles and exported lists, already in the audit trail (linked, not copied)."""
    labels = {AuditEntry.Action.REVEAL: AccessKind.REVEAL.label, AuditEntry.Action.EXPORT: AccessKind.LIST_EXPORT.label}
    looks = []
    for r in rows[:500]:
        records = r.changes.get("rows", [None, 1])[1] if isinstance(r.changes, dict) else 1
        looks.append(Look(at=r.created_at, user=r.actor_name, customer_id=int(r.object_id) if r.object_id.isdigit()
                          and r.object_type == "customers.customer" else None, customer=r.object_repr,
                          kind=labels[r.action], ip=r.ip_address, records=records or 0))  # fmt: skip
    return looks


def who_looked_at(viewer, customer, *, start=None, end=None) -> list[Look]:
    since, until = period(start, end)
    logs = AccessLog.objects.for_user(viewer, Perm.PRIVACY_MANAGE).filter(
        customer=customer, at__gte=since, at__lt=until
    )
    audits = AuditEntry.objects.filter(
        store_id__in=viewer.store_ids(Perm.PRIVACY_MANAGE), action=AuditEntry.Action.REVEAL,
        object_type="customers.customer", object_id=str(customer.pk), created_at__gte=since, created_at__lt=until,
    )  # fmt: skip
    return sorted(_log_looks(logs) + _audit_looks(audits), key=lambda look: look.at, reverse=True)


def what_user_looked_at(viewer, user, *, start=None, end=None) -> list[Look]:
    since, until = period(start, end)
    logs = AccessLog.objects.for_user(viewer, Perm.PRIVACY_MANAGE).filter(user=user, at__gte=since, at__lt=until)
    audits = AuditEntry.objects.filter(
        Q(action=AuditEntry.Action.REVEAL) | Q(action=AuditEntry.Action.EXPORT, object_type=""),
        store_id__in=viewer.store_ids(Perm.PRIVACY_MANAGE), actor=user, created_at__gte=since, created_at__lt=until,
    )  # fmt: skip
    return sorted(_log_looks(logs) + _audit_looks(audits), key=lambda look: look.at, reverse=True)


def open_alerts(user, store=None):
    rows = AccessAlert.objects.for_user(user, Perm.PRIVACY_MANAGE).filter(acknowledged_at__isnull=True)
    if store is not None:
        rows = rows.filter(store=store)
    return rows.select_related("user", "store").order_by("-hour")
