"""The warranty clerk's home cards (docs/DOMAIN.md §22): claims to submit (late
once within the warning days of their deadline) and rejected claims to correct."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.home import HomeCard, count_with_overdue, list_url, register
from aftercare.core.permissions import Perm

from .choices import ClaimStatus
from .models import Claim


def near_deadline(today):
    """The Q of drafts within their warning days of the deadline (set when the claim was built)."""
    return Q(status=ClaimStatus.DRAFT, flag_from__lte=today)


def _to_submit(ctx):
    claims = Claim.objects.for_user(ctx.user, Perm.WARRANTY_MANAGE).filter(store=ctx.store, status=ClaimStatus.DRAFT)
    return count_with_overdue(claims, near_deadline(ctx.now.date()))


def _rejected(ctx):
    claims = Claim.objects.for_user(ctx.user, Perm.WARRANTY_MANAGE).filter(store=ctx.store, status=ClaimStatus.REJECTED)
    return count_with_overdue(claims)


def register_cards() -> None:
    roles = (Role.WARRANTY_CLERK,)
    register(HomeCard(
        key="warranty.to_submit", label=_("Claims to submit"), roles=roles, perm=Perm.WARRANTY_MANAGE,
        count=_to_submit, url=lambda ctx: list_url("warranty:claims", status=ClaimStatus.DRAFT),
        overdue_url=lambda ctx: list_url("warranty:claims", status=ClaimStatus.DRAFT, due="soon"),
        unit=pgettext_lazy("home card unit", "claims"), overdue_label=_("close to the deadline"), position=10,
    ))  # fmt: skip
    register(HomeCard(
        key="warranty.rejected", label=_("Rejected claims"), roles=roles, perm=Perm.WARRANTY_MANAGE,
        count=_rejected, url=lambda ctx: list_url("warranty:claims", status=ClaimStatus.REJECTED),
        unit=pgettext_lazy("home card unit", "claims"), position=20,
    ))  # fmt: skip
