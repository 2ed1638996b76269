"""The home page's work cards: a per-role registry (docs/DOMAIN.md §22).

Each app registers the cards of the work it owns, in its AppConfig.ready(), so a
card exists exactly when its feature does; a later app (parts, VIC, messaging)
adds its own the same way. A card counts the items of one filtered list for the
current store, with how many of them are overdue, and links to that list.

    register(HomeCard(key="service.reception", label=_("Cars in reception"), roles=("advisor",),
                      count=lambda ctx: ..., url=lambda ctx: ...))

`count` returns (total, overdue) in one query; `url` the filtered list (and
`overdue_url` the list of the overdue ones, when it differs; the overdue badge links to `url` otherwise).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HomeContext:
    user: object
    store: object
    now: datetime


@dataclass(frozen=True)
class HomeCard:
    key: str
    label: str
    roles: tuple[str, ...]
    count: Callable[[HomeContext], tuple[int, int]]
    url: Callable[[HomeContext], str]
    overdue_url: Callable[[HomeContext], str] | None = None
    # The words under the number ("to call", "jobs") and over the overdue count.
    unit: str = ""
    overdue_label: str = ""
    # Shown only to a user holding this permission at the store (none: the role suffices).
    perm: str = ""
    position: int = 100


_CARDS: dict[str, HomeCard] = {}


def register(card: HomeCard) -> HomeCard:
    """Add (or replace, by key) a card. Idempotent, so a reloaded app registers once."""
    _CARDS[card.key] = card
    return card


def unregister(key: str) -> None:
    _CARDS.pop(key, None)


def registered() -> list[HomeCard]:
    return sorted(_CARDS.values(), key=lambda card: (card.position, card.key))


def cards_for_roles(roles) -> list[HomeCard]:
    """The cards of any of these roles, each once, in registry order."""
    roles = set(roles)
    return [card for card in registered() if roles.intersection(card.roles)]


def home_cards(*, user, store, roles, now: datetime) -> list[dict]:
    """The user's cards for the store, counted: cards with overdue items first,
    then those with work, then the empty ones (each group in registry order)."""
    if store is None:
        return []
    context = HomeContext(user=user, store=store, now=now)
    rows = []
    for index, card in enumerate(cards_for_roles(roles)):
        if card.perm and not user.has_perm(card.perm, store):
            continue
        total, overdue = card.count(context)
        rows.append(
            {
                "card": card,
                "total": total,
                "overdue": overdue,
                "url": card.url(context),
                "overdue_url": (card.overdue_url or card.url)(context) if overdue else "",
                "index": index,
            }
        )
    rows.sort(key=lambda row: (not row["overdue"], not row["total"], row["index"]))
    return rows


def count_with_overdue(queryset, overdue=None) -> tuple[int, int]:
    """(total, overdue) of a queryset in one query; `overdue` is a Q of the late ones."""
    from django.db.models import Count

    if overdue is None:
        return queryset.count(), 0
    row = queryset.order_by().aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue))
    return row["total"], row["overdue"]


def list_url(name: str, **query) -> str:
    """A list page's URL with its filters."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {key: value for key, value in query.items() if value not in (None, "")}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")
