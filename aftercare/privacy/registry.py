"""The registries that make a customer's export and erasure composable (docs/DOMAIN.md §16.5).

Each kind of personal data is one `Section`: the rows of one customer (plain JSON
values), and the files (photos) that go with them. Each kind of record is erased
by one `Eraser` (set-based, over a list of customer ids) or kept by a `Kept` rule
that states why the law requires it. The privacy app registers the sections of
every domain app in `sections.py` (it may import every domain app, like reports, and
none imports it): an app built later (messaging, warranty) gets its section, eraser
and kept rule there too."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    # rows(customer) -> list of {column: plain value}
    rows: Callable[[object], list[dict]]
    # files(customer) -> [(name in the zip, opened file)]
    files: Callable[[object], Iterable[tuple[str, object]]] | None = None
    position: int = 100


@dataclass(frozen=True)
class Eraser:
    """erase(customer_ids) -> {label: rows changed}; set-based UPDATE/DELETE statements."""

    key: str
    erase: Callable[[list[int]], dict]
    position: int = 100


@dataclass(frozen=True)
class Kept:
    """Records kept after an erasure, pseudonymised through the customer's pseudonym,
    with the reason the law requires them (docs/DOMAIN.md §16.5)."""

    key: str
    title: str
    reason: str
    count: Callable[[list[int]], int]


_SECTIONS: dict[str, Section] = {}
_ERASERS: dict[str, Eraser] = {}
_KEPT: dict[str, Kept] = {}


def register_section(section: Section) -> None:
    _SECTIONS[section.key] = section


def register_eraser(eraser: Eraser) -> None:
    _ERASERS[eraser.key] = eraser


def register_kept(kept: Kept) -> None:
    _KEPT[kept.key] = kept


def sections() -> list[Section]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.position, s.key))


def erasers() -> list[Eraser]:
    return sorted(_ERASERS.values(), key=lambda e: (e.position, e.key))


def kept_rules() -> list[Kept]:
    return list(_KEPT.values())
