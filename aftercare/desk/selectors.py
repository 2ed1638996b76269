"""Reads of the service desk shared by pages, the API and the benchmark (docs/DOMAIN.md §25)."""

from dataclasses import dataclass

from django.db.models import Case, Count, Max, Q, Value, When
from django.utils import timezone

from aftercare.core.permissions import Perm

from . import segment
from .choices import OPEN_RESCUE
from .models import EventNotice, FaqEntry, FaqSearch, FaqSynonym, MajorEvent, RescueRequest

SEARCH_LIMIT = 20


@dataclass
class FaqResults:
    query: str
    groups: list[list[str]]
    entries: list[FaqEntry]


def _groups(store_ids, words: list[str]) -> list[list[str]]:
    """Each word of the query with its synonyms (both ways), in one query."""
    if not words:
        return []
    rows = FaqSynonym.objects.filter(store_id__in=store_ids).filter(Q(word__in=words) | Q(synonym__in=words))
    alike: dict[str, set[str]] = {w: {w} for w in words}
    for word, synonym in rows.values_list("word", "synonym"):
        for w in words:
            if w == word:
                alike[w].add(synonym)
            elif w == synonym:
                alike[w].add(word)
    return [sorted(alike[w]) for w in words]


def faq_search(*, entries, store_ids, query: str, limit: int = SEARCH_LIMIT, day=None) -> FaqResults:
    """Answers matching the typed words (docs/DOMAIN.md §25.3): each word, or one of its synonyms,
    is looked up as an indexed term (its Chinese words and their pinyin); answers matching more of
    the words come first, then the most used. `entries` is the caller's for_user() queryset (staff:
    every valid answer; the public page: public ones). Two queries whatever the size: the synonyms,
    then the ranked answers themselves (their terms joined, counted per word and grouped by answer)."""
    words = segment.query_terms(query)
    groups = _groups(store_ids, words)
    if not groups:
        return FaqResults(query=query, groups=[], entries=[])
    every = {term for group in groups for term in group}
    matched = sum(
        (Case(When(**{f"g{i}__gt": 0}, then=Value(1)), default=Value(0)) for i in range(len(groups))), Value(0)
    )
    # filter() before annotate(): the counts run over the terms the filter joined (the store + term
    # index), one row per answer that matches any word.
    ranked = (
        entries.valid(day)
        .filter(terms__store_id__in=store_ids, terms__term__in=every)
        .annotate(**{f"g{i}": Count("terms", filter=Q(terms__term__in=group)) for i, group in enumerate(groups)})
        .annotate(matched=matched)
        .order_by("-matched", "-use_count", "pk")[:limit]
    )
    return FaqResults(query=query, groups=groups, entries=list(ranked))


def faq_not_found(*, store_ids, since, limit: int = 30) -> list[dict]:
    """The searches that found nothing since `since`, most asked first: the answers to write."""
    return list(
        FaqSearch.objects.filter(store_id__in=store_ids, found=0, searched_at__gte=since)
        .values("query")
        .annotate(times=Count("pk"), last=Max("searched_at"))
        .order_by("-times", "-last")[:limit]
    )


def faq_most_used(*, entries, limit: int = 20) -> list[FaqEntry]:
    return list(entries.filter(use_count__gt=0).order_by("-use_count", "id")[:limit])


def rescue_board(user, store, *, limit: int = 100):
    """The open rescues of the store, oldest first (the longest wait on top), in one query."""
    return list(
        RescueRequest.objects.for_user(user, Perm.DESK_WORK)
        .filter(store=store, status__in=OPEN_RESCUE)
        .select_related("technician", "customer")
        .only(
            "id",
            "store_id",
            "number",
            "status",
            "channel",
            "contact_name",
            "contact_phone",
            "plate",
            "address",
            "latitude",
            "longitude",
            "symptom",
            "received_at",
            "eta_at",
            "rescue_vehicle",
            "free_for_vic",
            "technician__id",
            "technician__username",
            "technician__full_name",
            "customer__id",
            "customer__name",
        )
        .order_by("received_at", "id")[:limit]
    )


def customer_flags(customer, day=None):
    """The major events flagging a customer now (the customer page's banner)."""
    day = day or timezone.localdate()
    return list(MajorEvent.objects.filter(customer=customer, flagged_until__gte=day).order_by("-created_at"))


def my_notices(user, store):
    return (
        EventNotice.objects.filter(user=user, acknowledged_at__isnull=True, event__store=store)
        .select_related("event", "event__customer")
        .order_by("-notified_at")
    )


def recovery_call_refused(case) -> str:
    """Why the recovery's call may not be made, or "" (docs/DOMAIN.md §25.5): the call is a service
    contact, asked of the messaging door's contact check like every other call to a customer."""
    from aftercare.messaging.choices import Channel, Purpose, Reason
    from aftercare.messaging.services import contact_check

    decision = contact_check(customer=case.customer, purpose=Purpose.SERVICE, channel=Channel.PHONE)
    return "" if decision.allowed else str(Reason.LABELS.get(decision.reason, decision.reason))
