"""Warranty reports, each (headers, rows) for core.exports (docs/DOMAIN.md §14.5).
Every report reads claims through `Claim.objects.for_user(user, Perm.WARRANTY_VIEW)`."""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.core.permissions import Perm

from .choices import OPEN_CLAIM_STATUSES, ClaimLineKind, ClaimStatus, ExchangeKind
from .models import Claim, ClaimLine, ExchangeLine
from .selectors import first_free_uptake

REPORTS = {
    "by-status": gettext_lazy("Claims by status and month"),
    "rejected": gettext_lazy("Rejected claims with reasons"),
    "payments": gettext_lazy("Payment list and summary"),
    "aging": gettext_lazy("Open amounts and aging"),
    "hours": gettext_lazy("Warranty labour hours per technician"),
    "first-free": gettext_lazy("First free maintenance uptake"),
}
AGING_BUCKETS = ((30, "0-30"), (60, "31-60"), (90, "61-90"), (None, "90+"))


def _claims(user, store):
    return Claim.objects.for_user(user, Perm.WARRANTY_VIEW).filter(store=store)


def by_status(user, store, **_kw):
    rows = (
        _claims(user, store).annotate(month=TruncMonth("repaired_on")).values("month", "status")
        .annotate(n=Count("id"), claimed=Sum("claimed_amount"), paid=Sum("paid_amount")).order_by("month", "status")
    )  # fmt: skip
    labels = dict(ClaimStatus.choices)
    return (
        [_("Month"), _("Status"), _("Claims"), _("Claimed"), _("Paid")],
        [[r["month"].strftime("%Y-%m"), str(labels[r["status"]]), r["n"], r["claimed"], r["paid"]] for r in rows],
    )


def rejected(user, store, **_kw):
    claims = _claims(user, store).filter(status=ClaimStatus.REJECTED).select_related("repair_order", "vehicle")
    return (
        [_("Claim number"), _("Repair order"), _("VIN"), _("Claimed"), _("Carmaker's reason"), _("Submissions")],
        [[c.number, c.repair_order.number, c.vehicle.vin, c.claimed_amount, c.rejection_reason, c.submissions]
         for c in claims.order_by("-id")],
    )  # fmt: skip


def payments(user, store, **_kw):
    lines = ExchangeLine.objects.for_user(user, Perm.WARRANTY_VIEW).filter(store=store, kind=ExchangeKind.PAYMENT)
    rows = [[line.imported_at, line.claim_number, line.amount, line.difference, line.get_outcome_display(), line.note]
            for line in lines.order_by("imported_at", "row")]  # fmt: skip
    paid = (
        _claims(user, store)
        .filter(status=ClaimStatus.PAID)
        .aggregate(n=Count("id"), approved=Sum("approved_amount"), paid=Sum("paid_amount"))
    )
    rows.append([None, _("Total"), paid["paid"], (paid["approved"] or 0) - (paid["paid"] or 0), "", ""])
    return [_("Imported at"), _("Claim number"), _("Paid"), _("Short"), _("Outcome"), _("Note")], rows


def aging(user, store, *, today: date | None = None, **_kw):
    today = today or timezone.localdate()
    totals = defaultdict(lambda: [0, 0])
    rows = []
    for claim in _claims(user, store).filter(status__in=OPEN_CLAIM_STATUSES).order_by("submitted_at"):
        days = (today - timezone.localtime(claim.submitted_at).date()).days if claim.submitted_at else 0
        bucket = next(label for limit, label in AGING_BUCKETS if limit is None or days <= limit)
        owed = claim.approved_amount if claim.approved_amount is not None else claim.claimed_amount
        rows.append([claim.number, claim.get_status_display(), owed, days, bucket])
        totals[bucket][0] += 1
        totals[bucket][1] += owed
    rows += [[_("Total"), label, totals[label][1], totals[label][0], label] for _l, label in AGING_BUCKETS]
    return [_("Claim number"), _("Status"), _("Open amount"), _("Days since submission"), _("Aging")], rows


def hours(user, store, **_kw):
    rows = (
        ClaimLine.objects.filter(claim__in=_claims(user, store), kind=ClaimLineKind.LABOUR)
        .values("technician__username", "technician__full_name")
        .annotate(hours=Sum("hours"), claims=Count("claim", distinct=True)).order_by("technician__username")
    )  # fmt: skip
    return (
        [_("Technician"), _("Claims"), _("FRT hours")],
        [[r["technician__full_name"] or r["technician__username"] or "—",
          r["claims"], r["hours"]] for r in rows],
    )  # fmt: skip


def first_free(user, store, *, today: date | None = None, **_kw):
    today = today or timezone.localdate()
    rows = first_free_uptake(store, start=date(today.year, 1, 1), end=today)
    return (
        [_("Plate"), _("VIN"), _("Model"), _("Purchase date"), _("Eligible until"), _("Came")],
        [[r["vehicle"].plate, r["vehicle"].vin, r["vehicle"].model, r["vehicle"].purchase_date, r["until"],
          _("Yes") if r["came"] else _("No")] for r in rows],
    )  # fmt: skip


BUILDERS = {
    "by-status": by_status, "rejected": rejected, "payments": payments, "aging": aging, "hours": hours,
    "first-free": first_free,
}  # fmt: skip
