"""The search box: customers and vehicles of the user's stores found by whatever
fragment an advisor types (docs/ARCHITECTURE.md, "The search box")."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, IntegerField, Q, QuerySet, Value

from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm

from .models import Customer, SearchKey, Vehicle
from .normalize import PROVINCES

SEARCH_LIMIT = 20
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_STRIP = re.compile(r"[\s\-·.+]")


@dataclass
class SearchResult:
    """One line of the search box: a vehicle with its owner, or a customer without vehicles."""

    customer_id: int
    customer_name: str
    customer_number: str
    phone: str  # masked unless the user may see full contacts
    vehicle_id: int | None
    plate: str
    vin: str
    model: str
    last_visit_at: datetime | None
    store_id: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


class SearchResults(list):
    """The result lines, best first; `more` is true when more records match than are shown
    (a key found more than its cap, or the lines were cut at the limit): the page then
    offers "more…"."""

    more: bool = False


def _plan(query: str) -> list[tuple[str, str]]:
    """Which indexed keys a query can hit: [(key kind, normalised value)].

    Every key is a prefix search on an indexed column, so each costs one index
    range scan; the number of keys (at most 6) does not depend on the data.
    """
    q = _STRIP.sub("", query)
    if not q:
        return []
    plan: list[tuple[str, str]] = []
    if _CJK.search(q):
        if q[0] in PROVINCES and len(q) >= 2:
            plan.append(("plate_key", q.upper()))
        plan.append(("name", q))
        if len(q) >= 2:
            plan.append(("company_key", q.upper()))
        return plan
    if not _ALNUM.match(q):
        return plan
    upper, lower = q.upper(), q.lower()
    if len(q) == 2:
        plan.append(("plate_suffix", upper))  # "the last two characters of the plate"
    elif len(q) >= 3:
        plan.append(("plate_key", upper))  # any part of a plate
    if q.isdigit():
        if len(q) == 11:
            plan.append(("mobile", q))
        elif len(q) >= 4:
            plan.append(("mobile_suffix", q[::-1]))
    if len(q) >= 6:
        plan.append(("vin_suffix", upper[::-1]))
    if q.isalpha():
        plan.append(("initials", lower))
        if len(q) >= 2:
            plan.append(("pinyin", lower))
        plan.append(("company_key", upper))
    return plan


_VEHICLE_KEYS = frozenset({"plate_key", "plate_suffix", "vin_suffix"})
_CUSTOMER_COLUMNS = {
    "name": "name", "mobile_suffix": "mobile_rev", "initials": "name_initials", "pinyin": "name_pinyin",
}  # fmt: skip


def _latest_first(prefix: str = "") -> list:
    """The ranking within a key and among the lines: the most recent visit first (never
    visited last, on every database), then the newest record."""
    return [F(f"{prefix}last_visit_at").desc(nulls_last=True), F(f"{prefix}id").desc()]


def _key_query(user, kind: str, value: str) -> tuple[QuerySet, str]:
    """The rows one key finds, best first, and the column holding the vehicle or customer id."""
    if kind == "vin_suffix":
        vehicles = Vehicle.objects.for_user(user, Perm.CUSTOMER_VIEW).filter(vin_rev__prefix=value)
        return vehicles.order_by(*_latest_first()), "id"
    keys = SearchKey.objects.for_user(user, Perm.CUSTOMER_VIEW)
    if kind in ("plate_key", "plate_suffix"):
        keys = keys.filter(kind=SearchKey.Kind.PLATE)
        keys = keys.filter(key__prefix=value) if kind == "plate_key" else keys.filter(key=value)
        return keys.order_by(*_latest_first("vehicle__")), "vehicle_id"
    if kind == "company_key":
        keys = keys.filter(kind=SearchKey.Kind.COMPANY, key__prefix=value)
        return keys.order_by(*_latest_first("customer__")), "customer_id"
    customers = Customer.objects.for_user(user, Perm.CUSTOMER_VIEW).active()
    if kind == "mobile":
        customers = customers.filter(mobile=value)
    else:
        customers = customers.filter(**{f"{_CUSTOMER_COLUMNS[kind]}__prefix": value})
    return customers.order_by(*_latest_first()), "id"


def _matches(user, plan, cap: int) -> QuerySet:
    """One UNION ALL of every key's best `cap + 1` rows: (vehicle or customer id, key number).

    Each key is ranked and capped in its own sub-query, so a common surname (王: 7 % of
    people) reads one index range and keeps its best rows, and the row past the cap tells
    that the key was cut. The cap sits in an `IN (…)` sub-query because SQLite refuses
    LIMIT in the parts of a UNION."""
    parts = []
    for number, (kind, value) in enumerate(plan):
        ranked, column = _key_query(user, kind, value)
        best = ranked.values("pk")[: cap + 1]
        parts.append(
            ranked.model.objects.for_user(user, Perm.CUSTOMER_VIEW)
            .filter(pk__in=best)
            .annotate(part=Value(number, output_field=IntegerField()))
            .values_list(column, "part")
            .order_by()
        )
    return parts[0].union(*parts[1:], all=True)


def _phone(row, reveal: set[int]) -> str:
    return row["mobile"] if row["store_id"] in reveal else mask_phone(row["mobile"])


def _vehicle_line(row, reveal: set[int]) -> SearchResult:
    return SearchResult(
        customer_id=row["owner_id"], customer_name=row["name"], customer_number=row["number"],
        phone=_phone(row, reveal), vehicle_id=row["id"], plate=row["plate"], vin=row["vin"],
        model=f"{row['brand']} {row['model']}", last_visit_at=row["last_visit_at"] or row["owner_last_visit_at"],
        store_id=row["store_id"],
    )  # fmt: skip


def _customer_line(row, reveal: set[int]) -> SearchResult:
    return SearchResult(
        customer_id=row["id"], customer_name=row["name"], customer_number=row["number"], phone=_phone(row, reveal),
        vehicle_id=None, plate="", vin="", model="", last_visit_at=row["last_visit_at"], store_id=row["store_id"],
    )  # fmt: skip


def search(user, query: str, *, limit: int = SEARCH_LIMIT) -> SearchResults:
    """The search box: customers and vehicles of the user's stores matching a
    plate fragment, a mobile's last 4+ digits, a VIN's last 6+, a Chinese name
    or surname, pinyin (full or initials), or a company name.

    Two or three queries whatever the data: the matching ids (a UNION ALL of
    ranked, capped index range scans), the vehicles with their owners, and the
    matching customers not shown with a vehicle when room is left. Lines come
    most recent visit first, then newest record first.
    """
    results = SearchResults()
    plan = _plan(query)
    if not plan or not user.store_ids(Perm.CUSTOMER_VIEW):
        return results
    cap = limit * 2
    customer_ids: set[int] = set()
    vehicle_ids: set[int] = set()
    found_per_key = [0] * len(plan)
    for object_id, number in _matches(user, plan, cap):
        found_per_key[number] += 1
        if object_id is not None:
            (vehicle_ids if plan[number][0] in _VEHICLE_KEYS else customer_ids).add(object_id)
    results.more = any(found > cap for found in found_per_key)
    if not customer_ids and not vehicle_ids:
        return results
    reveal = set(user.store_ids(Perm.CONTACT_REVEAL))
    vehicles = list(
        Vehicle.objects.for_user(user, Perm.CUSTOMER_VIEW)
        .filter(Q(pk__in=vehicle_ids) | Q(owner_id__in=customer_ids, is_active=True))
        .order_by(*_latest_first())
        .values(
            "owner_id", "id", "plate", "vin", "brand", "model", "last_visit_at", "store_id",
            name=F("owner__name"), number=F("owner__number"), mobile=F("owner__mobile"),
            owner_last_visit_at=F("owner__last_visit_at"),
        )[: limit + 1]
    )  # fmt: skip
    results += [_vehicle_line(row, reveal) for row in vehicles[:limit]]
    rest = customer_ids.difference(line.customer_id for line in results)
    room = limit - len(results)
    if len(vehicles) > limit or (rest and not room):
        results.more = True
    elif rest:
        customers = list(
            Customer.objects.for_user(user, Perm.CUSTOMER_VIEW)
            .filter(pk__in=rest)
            .order_by(*_latest_first())
            .values("id", "name", "number", "mobile", "last_visit_at", "store_id")[: room + 1]
        )
        results += [_customer_line(row, reveal) for row in customers[:room]]
        results.more = results.more or len(customers) > room
    return results
