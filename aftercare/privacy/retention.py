"""Retention limits (docs/DOMAIN.md §16.6), set-based per store: each rule is one
QuerySet of what is due, so the run's cost follows the due rows (the customers'
last-visit index, the photos' and signatures' dates), never the whole store.

A dry run counts what each rule would do and stores the report; a real run does it
and logs every record under its rule. The first real run waits for a manager's
approval of a dry run; until then the nightly job only reports."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from aftercare.billing.models import Delivery
from aftercare.complaints.choices import Status as ComplaintStatus
from aftercare.complaints.models import Complaint
from aftercare.core.audit import audit_record
from aftercare.core.dates import add_months
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.customers.models import Consent, Customer
from aftercare.service.models import CheckIn, Photo, RepairOrder

from .choices import OPEN_STATUSES, RetentionRule, RunMode
from .erasure import anonymise_customers
from .models import PrivacySettings, RetentionAction, RetentionRun, RightsRequest
from .sections import delete_photos
from .services import store_settings

CHUNK = 500


def _years_ago(now, years: int):
    today = timezone.localdate(now)
    return now - (today - add_months(today, -12 * years))


def _open_complaint(customer_ref: str):
    return Exists(Complaint.objects.filter(customer_id=OuterRef(customer_ref)).exclude(status=ComplaintStatus.CLOSED))


def due(store: Store, *, now=None) -> dict:
    """{rule part: QuerySet of what is due} for the store's limits."""
    now = now or timezone.now()
    limits = store_settings(store)
    inactive_since = _years_ago(now, limits.inactive_customer_years)
    media_before = _years_ago(now, limits.media_years)
    customers = (
        Customer.objects.filter(store=store, merged_into__isnull=True, anonymised__isnull=True)
        .filter(Q(last_visit_at__lt=inactive_since) | Q(last_visit_at__isnull=True, created_at__lt=inactive_since))
        .exclude(Exists(RepairOrder.objects.filter(customer_id=OuterRef("pk"), opened_at__gte=inactive_since)))
        .exclude(Exists(Consent.objects.filter(customer_id=OuterRef("pk"), recorded_at__gte=inactive_since)))
        .exclude(Exists(RightsRequest.objects.filter(customer_id=OuterRef("pk"), status__in=OPEN_STATUSES)))
        .exclude(_open_complaint("pk"))
    )
    # An open complaint (or, once the warranty app exists, an open claim) holds the
    # customer's photos and signatures (docs/DOMAIN.md §16.6).
    # Photos and signatures are read through their order's (store, opened_at) index: a photo is
    # taken on or after its order was opened, so only orders opened before the limit qualify.
    photos = Photo.objects.filter(
        repair_order__store=store, repair_order__opened_at__lt=media_before, taken_at__lt=media_before
    ).exclude(_open_complaint("repair_order__customer_id"))
    order_signatures = (
        RepairOrder.objects.filter(store=store, opened_at__lt=media_before)
        .exclude(authorisation_signature="")
        .exclude(_open_complaint("customer_id"))
    )
    checkin_signatures = (
        CheckIn.objects.filter(repair_order__store=store, repair_order__opened_at__lt=media_before)
        .exclude(customer_signature="")
        .exclude(_open_complaint("repair_order__customer_id"))
    )
    delivery_signatures = (
        Delivery.objects.filter(store=store, repair_order__opened_at__lt=media_before, delivered_at__lt=media_before)
        .exclude(signature="")
        .exclude(_open_complaint("repair_order__customer_id"))
    )
    return {
        (RetentionRule.INACTIVE_CUSTOMER, "customers"): customers,
        (RetentionRule.MEDIA, "photos"): photos,
        (RetentionRule.MEDIA, "order_signatures"): order_signatures,
        (RetentionRule.MEDIA, "checkin_signatures"): checkin_signatures,
        (RetentionRule.MEDIA, "delivery_signatures"): delivery_signatures,
    }


def _counts(parts: dict) -> dict:
    counts: dict[str, dict[str, int]] = {}
    for (rule, part), queryset in parts.items():
        counts.setdefault(rule, {})[part] = queryset.count()
    return counts


def retention_run(*, store_id: int, dry_run: bool, actor=None, now=None) -> RetentionRun:
    """Run a store's limits. A real run before a manager approved one is a dry run."""
    store = Store.objects.get(pk=store_id)
    if actor is not None:
        require(actor, Perm.PRIVACY_MANAGE, store)
    now = now or timezone.now()
    if not dry_run and store_settings(store).retention_approved_at is None:
        dry_run = True
    parts = due(store, now=now)
    if dry_run:
        run = RetentionRun.objects.create(store=store, mode=RunMode.DRY_RUN, started_at=now, counts=_counts(parts),
                                          run_by=actor)  # fmt: skip
        return run
    with transaction.atomic():
        run = RetentionRun.objects.create(store=store, mode=RunMode.REAL, started_at=now, run_by=actor)
        counts: dict[str, dict[str, int]] = {}
        for (rule, part), queryset in parts.items():
            ids = list(queryset.values_list("pk", flat=True))
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                _apply(part, queryset.model, chunk, store_id=store.pk)
                RetentionAction.objects.bulk_create(
                    RetentionAction(run=run, rule=rule, object_type=queryset.model._meta.label_lower, object_id=str(pk),
                                    what=part)
                    for pk in chunk
                )  # fmt: skip
            counts.setdefault(rule, {})[part] = len(ids)
        run.counts = counts
        run.save(update_fields=["counts"])
        audit_record(actor=actor, action=AuditEntry.Action.DELETE, obj=run, store=store,
                     reason="retention", changes={"counts": [None, counts]})  # fmt: skip
    return run


def _apply(part: str, model, ids: list[int], *, store_id: int) -> None:
    if part == "customers":
        anonymise_customers(ids, store_id=store_id, rule=RetentionRule.INACTIVE_CUSTOMER)
    elif part == "photos":
        delete_photos(Photo.objects.filter(pk__in=ids))
    elif part == "order_signatures":
        RepairOrder.objects.filter(pk__in=ids).update(authorisation_signature="")
    elif part == "checkin_signatures":
        CheckIn.objects.filter(pk__in=ids).update(customer_signature="")
    elif part == "delivery_signatures":
        Delivery.objects.filter(pk__in=ids).update(signature="")


def retention_approve(*, actor, store: Store) -> PrivacySettings:
    """The manager approves the limits after reading a dry run; the nightly job then
    runs them for real (docs/DOMAIN.md §16.6)."""
    require(actor, Perm.PRIVACY_MANAGE, store)
    if not RetentionRun.objects.filter(store=store, mode=RunMode.DRY_RUN).exists():
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        raise ValidationError(_("Run a dry run and read its report first."))
    with transaction.atomic():
        row, _created = PrivacySettings.objects.select_for_update().get_or_create(store=store)
        row.retention_approved_at, row.retention_approved_by = timezone.now(), actor
        row.save(update_fields=["retention_approved_at", "retention_approved_by"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=row, store=store,
                     changes={"retention_approved_at": [None, row.retention_approved_at.isoformat()]})  # fmt: skip
    return row
