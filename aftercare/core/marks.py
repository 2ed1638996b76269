"""Marks other apps put on customers and repair orders, without the pages importing them
(docs/ARCHITECTURE.md). Two registries, each filled from a later app's AppConfig.ready():

* customer badges: a card shown wherever the customer appears (search results, reception, the
  management board, the cashier's desk). A reader takes customer ids and returns
  {customer id: [Badge]} in one query, so a list page asks once for all its rows.
* repair-order priority: a rule is an expression over the repair order's id (an OuterRef path),
  true when the order goes first. The workshop's dispatch queue and the parts issue queue order
  by `order_priority(path)` in their own query, so the queue stays one query and a limit keeps
  the priority rows (the VIC programme's green channel, docs/DOMAIN.md §13.3).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Case, Expression, IntegerField, Value, When


@dataclass(frozen=True)
class Badge:
    key: str
    label: str
    title: str = ""  # the hover text: who looks after the customer, at which store
    colour: str = "warning"
    contact: str = ""  # a phone shown with the card on a page about one customer (tel: link)


BadgeReader = Callable[[list[int]], dict[int, list[Badge]]]
_BADGE_READERS: dict[str, BadgeReader] = {}


def register_customer_badges(key: str, reader: BadgeReader) -> None:
    _BADGE_READERS[key] = reader


def customer_badges(customer_ids: Iterable[int | None]) -> dict[int, list[Badge]]:
    """{customer id: its badges}, one query per registered reader (none without readers or ids)."""
    ids = sorted({pk for pk in customer_ids if pk})
    badges: dict[int, list[Badge]] = {}
    if not ids:
        return badges
    for reader in _BADGE_READERS.values():
        for pk, found in reader(ids).items():
            badges.setdefault(pk, []).extend(found)
    return badges


@dataclass(frozen=True)
class PriorityRule:
    key: str
    label: str
    # order id path ("pk", "repair_order_id") -> a boolean expression (an Exists) on that order.
    applies: Callable[[str], Expression]
    rank: int = 1


_PRIORITY_RULES: dict[str, PriorityRule] = {}


def register_order_priority(rule: PriorityRule) -> None:
    _PRIORITY_RULES[rule.key] = rule


def order_priority(order_path: str) -> Expression:
    """The highest rank of the rules an order meets (0 for none): order by it descending."""
    rules = sorted(_PRIORITY_RULES.values(), key=lambda rule: -rule.rank)
    if not rules:
        return Value(0, output_field=IntegerField())
    return Case(
        *(When(rule.applies(order_path), then=Value(rule.rank)) for rule in rules),
        default=Value(0),
        output_field=IntegerField(),
    )


def order_priority_mark(order_path: str) -> Expression:
    """The label of the first rule the order meets ("" for none), for a queue to show."""
    rules = sorted(_PRIORITY_RULES.values(), key=lambda rule: -rule.rank)
    if not rules:
        return Value("")
    return Case(
        *(When(rule.applies(order_path), then=Value(str(rule.label))) for rule in rules),
        default=Value(""),
    )
