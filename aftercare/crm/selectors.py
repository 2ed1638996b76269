"""Reads of the retention engine shared by the rules, pages and the API."""

from datetime import timedelta

from django.utils.translation import gettext as _

from aftercare.complaints.models import Complaint
from aftercare.customers.choices import Preference
from aftercare.followups.choices import ProblemCategory
from aftercare.followups.models import FollowUpTask
from aftercare.service.choices import LineStatus
from aftercare.service.models import RepairOrderLine
from aftercare.surveys.models import SurveyResponse

from .choices import LostReason

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
