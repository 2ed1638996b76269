"""Reads of the retention engine shared by the rules, pages and the API."""

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext as _

from aftercare.complaints.models import Complaint
from aftercare.customers.choices import Preference
from aftercare.customers.models import Customer
from aftercare.followups.choices import ProblemCategory
from aftercare.followups.models import FollowUpTask
from aftercare.service.choices import LineStatus
from aftercare.service.choices import Status as OrderStatus
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.surveys.models import SurveyResponse

from .choices import Dimension, LostReason, Stage
from .models import CustomerProfile, SegmentChange

LOW_SCORE = 2


def lost_reason(customer, *, now) -> tuple[str, str]:
    """Why a lost customer left, from history (docs/DOMAIN.md §11.2): a low last survey
    score, a complaint or a quality problem in a call within the last year → quality; a
    price problem, the price-sensitive preference or declined work on the last visit →
    price; otherwise convenience. Answers (reason, the evidence in words)."""
    since = now - timedelta(days=365)
    last_survey = (
        SurveyResponse.objects.filter(customer=customer, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("overall_score", flat=True)
        .first()
    )
    if last_survey is not None and last_survey <= LOW_SCORE:
        return LostReason.QUALITY, _("Last survey score %(score)s") % {"score": last_survey}
    if Complaint.objects.filter(customer=customer, received_at__gte=since).exists():
        return LostReason.QUALITY, _("A complaint within the last year")
    categories = set(
        FollowUpTask.objects.filter(customer=customer, contacted_at__gte=since)
        .exclude(problem_category="")
        .values_list("problem_category", flat=True)
    )
    if ProblemCategory.QUALITY in categories:
        return LostReason.QUALITY, _("A quality problem raised in a call")
    if ProblemCategory.PRICE in categories:
        return LostReason.PRICE, _("A price problem raised in a call")
    if Preference.PRICE_SENSITIVE in (customer.preferences or []):
        return LostReason.PRICE, _("Price-sensitive")
    declined = RepairOrderLine.objects.filter(
        repair_order__customer=customer, repair_order__opened_at__gte=since, status=LineStatus.DECLINED
    ).exists()
    if declined:
        return LostReason.PRICE, _("Declined work on a recent visit")
    return LostReason.CONVENIENCE, _("No quality or price sign in the history")


RATE_PLACES = Decimal("0.0001")
CAUSE_LEFT_REGULAR = "left_regular"
CAUSE_FIRST_VISIT = "first_visit"


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _stage_at(moment):
    """The customer's lifecycle stage at `moment`, from the stage history (the last change at or before it)."""
    return Subquery(
        SegmentChange.objects.filter(
            customer=OuterRef("customer_id"), dimension=Dimension.STAGE, changed_at__lte=moment
        )
        .order_by("-changed_at", "-id")
        .values("new_value")[:1]
    )


def _last_order(before, field: str):
    return Subquery(
        RepairOrder.objects.filter(customer=OuterRef("customer_id"), opened_at__lt=before)
        .exclude(status=OrderStatus.CANCELLED)
        .order_by("-opened_at", "-id")
        .values(field)[:1]
    )


def retention_kpi(*, store_ids, start, end, as_of=None) -> dict:
    """Retention (docs/DOMAIN.md §18.5): of the customers whose stage was regular at the
    period's start (stage history, §11.1), those still regular at its end ÷ all of them.
    Rows: one per customer regular at the start; a customer who left has the stage reached
    and the advisor of their last order before the end. One query (sub-queries per row)."""
    end_at = min(end, as_of) if as_of else end
    profiles = (
        CustomerProfile.objects.filter(store_id__in=list(store_ids), first_visit_at__lt=start)
        .annotate(stage_start=_stage_at(start), stage_end=_stage_at(end_at))
        .filter(stage_start=Stage.REGULAR)
        .annotate(order_id=_last_order(end_at, "id"), advisor_id=_last_order(end_at, "advisor_id"))
        .order_by("customer_id")
        .values_list("customer_id", "stage_end", "advisor_id", "order_id")
    )
    rows = [
        {"customer_id": customer_id, "ok": stage == Stage.REGULAR,
         "cause": "" if stage == Stage.REGULAR else CAUSE_LEFT_REGULAR, "stage": stage or "",
         "person_id": advisor_id, "repair_order_id": order_id, "at": None}
        for customer_id, stage, advisor_id, order_id in profiles
    ]  # fmt: skip
    kept = sum(1 for row in rows if row["ok"])
    return {"numerator": kept, "denominator": len(rows), "rate": _rate(kept, len(rows)), "rows": rows}


def repurchase_kpi(*, store_ids, start, end, as_of=None) -> dict:
    """Repurchase (docs/DOMAIN.md §18.5): customers with a visit (a repair order not cancelled)
    opened in [start, end) who also have an earlier one ÷ all customers with a visit in the
    period. Rows: one per customer visiting, with the advisor of their first order of the
    period (the person who could bring a first-time customer back). One query."""
    end_at = min(end, as_of) if as_of else end
    orders = RepairOrder.objects.exclude(status=OrderStatus.CANCELLED)
    in_period = orders.filter(customer=OuterRef("pk"), opened_at__gte=start, opened_at__lt=end_at).order_by(
        "opened_at", "id"
    )
    customers = (
        Customer.objects.filter(store_id__in=list(store_ids))
        .filter(Exists(in_period))
        .annotate(
            returning=Exists(orders.filter(customer=OuterRef("pk"), opened_at__lt=start)),
            order_id=Subquery(in_period.values("id")[:1]),
            advisor_id=Subquery(in_period.values("advisor_id")[:1]),
            first_at=Subquery(in_period.values("opened_at")[:1]),
        )
        .order_by("pk")
        .values_list("pk", "returning", "advisor_id", "order_id", "first_at")
    )
    rows = [
        {"customer_id": pk, "ok": returning, "cause": "" if returning else CAUSE_FIRST_VISIT,
         "person_id": advisor_id, "repair_order_id": order_id, "at": first_at}
        for pk, returning, advisor_id, order_id, first_at in customers
    ]  # fmt: skip
    back = sum(1 for row in rows if row["ok"])
    return {"numerator": back, "denominator": len(rows), "rate": _rate(back, len(rows)), "rows": rows}
