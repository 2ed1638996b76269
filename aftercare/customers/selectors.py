"""Reads of customers and vehicles that are more than a filter: the search box,
the 360° view, current consents."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import Q

from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm

from .choices import ConsentPurpose, Preference
from .models import Consent, Customer, SearchKey, Vehicle, VehicleOwnership
from .normalize import PROVINCES

SEARCH_LIMIT = 20
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_STRIP = re.compile(r"[\s\-·.+]")


@dataclass(frozen=True)
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


def _id_queries(plan, store_ids):
    """One small id query per key; customers and vehicles apart."""
    customer_queries, vehicle_queries = [], []
    customers = Customer.objects.active().filter(store_id__in=store_ids)
    keys = SearchKey.objects.filter(store_id__in=store_ids)
    for kind, value in plan:
        if kind == "plate_key":
            vehicle_queries.append(keys.filter(kind=SearchKey.Kind.PLATE, key__prefix=value).values("vehicle_id"))
        elif kind == "plate_suffix":
            vehicle_queries.append(keys.filter(kind=SearchKey.Kind.PLATE, key=value).values("vehicle_id"))
        elif kind == "vin_suffix":
            vehicle_queries.append(Vehicle.objects.filter(store_id__in=store_ids, vin_rev__prefix=value).values("id"))
        elif kind == "company_key":
            customer_queries.append(keys.filter(kind=SearchKey.Kind.COMPANY, key__prefix=value).values("customer_id"))
        elif kind == "name":
            customer_queries.append(customers.filter(name__prefix=value).values("id"))
        elif kind == "mobile":
            customer_queries.append(customers.filter(mobile=value).values("id"))
        elif kind == "mobile_suffix":
            customer_queries.append(customers.filter(mobile_rev__prefix=value).values("id"))
        elif kind == "initials":
            customer_queries.append(customers.filter(name_initials__prefix=value).values("id"))
        elif kind == "pinyin":
            customer_queries.append(customers.filter(name_pinyin__prefix=value).values("id"))
    return customer_queries, vehicle_queries


def _matching_ids(customer_queries, vehicle_queries, *, cap: int) -> tuple[set[int], set[int]]:
    """Run every id query in one round trip: each capped in its own derived
    table (so a one-character surname like 王, 7 % of people, reads at most
    `cap` index entries) and tagged 0 for customers, 1 for vehicles.

    Hand-assembled because SQLite refuses LIMIT inside a plain UNION, which is
    what QuerySet.union() would produce."""
    parts, params = [], []
    for tag, queries in ((0, customer_queries), (1, vehicle_queries)):
        for query in queries:
            sql, query_params = query.order_by()[:cap].query.sql_with_params()
            # Only Django-compiled SQL is wrapped here; every value stays a bound parameter.
            parts.append(f"SELECT * FROM (SELECT sub.*, {tag} AS tag FROM ({sql}) sub) AS t{len(parts)}")  # noqa: S608
            params.extend(query_params)
    customer_ids: set[int] = set()
    vehicle_ids: set[int] = set()
    with connection.cursor() as cursor:
        # Only Django-compiled SQL is joined here; every value is a bound parameter.
        cursor.execute(" UNION ALL ".join(parts), params)
        for object_id, tag in cursor.fetchall():
            if object_id is not None:
                (vehicle_ids if tag == 1 else customer_ids).add(object_id)
    return customer_ids, vehicle_ids


def search(user, query: str, *, limit: int = SEARCH_LIMIT) -> list[SearchResult]:
    """The search box: customers and vehicles of the user's stores matching a
    plate fragment, a mobile's last 4+ digits, a VIN's last 6+, a Chinese name
    or surname, pinyin (full or initials), or a company name.

    Two queries whatever the data: the matching ids (a UNION of index range
    scans, each capped), then the result rows with owners.
    """
    store_ids = user.store_ids(Perm.CUSTOMER_VIEW)
    plan = _plan(query)
    if not plan or not store_ids:
        return []
    customer_queries, vehicle_queries = _id_queries(plan, store_ids)
    customer_ids, vehicle_ids = _matching_ids(customer_queries, vehicle_queries, cap=limit * 2)
    if not customer_ids and not vehicle_ids:
        return []

    reveal_store_ids = set(user.store_ids(Perm.CONTACT_REVEAL))
    # Plain tuples rather than model instances: a search is on the hot path of
    # every keystroke, and these are all the columns a result line shows.
    vehicle_rows = (
        Vehicle.objects.filter(store_id__in=store_ids)
        .filter(Q(pk__in=vehicle_ids) | Q(owner_id__in=customer_ids, is_active=True))
        .order_by("-last_visit_at", "-id")
        .values_list(
            "owner_id", "owner__name", "owner__number", "owner__mobile", "id", "plate", "vin", "brand", "model",
            "last_visit_at", "owner__last_visit_at", "store_id",
        )[:limit]
    )  # fmt: skip
    results = [
        SearchResult(
            customer_id=owner_id,
            customer_name=name,
            customer_number=number,
            phone=mobile if store_id in reveal_store_ids else mask_phone(mobile),
            vehicle_id=vehicle_id,
            plate=plate,
            vin=vin,
            model=f"{brand} {model}",
            last_visit_at=visited or owner_visited,
            store_id=store_id,
        )
        for (
            owner_id,
            name,
            number,
            mobile,
            vehicle_id,
            plate,
            vin,
            brand,
            model,
            visited,
            owner_visited,
            store_id,
        ) in vehicle_rows
    ]
    shown_owners = {r.customer_id for r in results}
    customer_rows = (
        Customer.objects.filter(pk__in=customer_ids - shown_owners)
        .order_by("-last_visit_at", "-id")
        .values_list("id", "name", "number", "mobile", "last_visit_at", "store_id")[: max(0, limit - len(results))]
    )
    results += [
        SearchResult(
            customer_id=customer_id,
            customer_name=name,
            customer_number=number,
            phone=mobile if store_id in reveal_store_ids else mask_phone(mobile),
            vehicle_id=None,
            plate="",
            vin="",
            model="",
            last_visit_at=visited,
            store_id=store_id,
        )
        for customer_id, name, number, mobile, visited, store_id in customer_rows
    ]
    return results


def current_consents(customer: Customer) -> dict[str, Consent | None]:
    """The latest decision per purpose (None: never asked)."""
    latest: dict[str, Consent | None] = dict.fromkeys(ConsentPurpose.values)
    for consent in customer.consents.order_by("purpose", "-recorded_at", "-id"):
        if latest[consent.purpose] is None:
            latest[consent.purpose] = consent
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    """Service notices are allowed unless withdrawn; every other purpose needs a yes."""
    consent = customer.consents.filter(purpose=purpose).order_by("-recorded_at", "-id").first()
    if consent is None:
        return purpose == ConsentPurpose.SERVICE
    return consent.granted


def customer_360(customer: Customer) -> dict:
    """Everything the customer page shows, fetched with a fixed number of queries."""
    vehicles = list(customer.vehicles.order_by("-is_active", "-last_visit_at", "id"))
    return {
        "vehicles": [{"vehicle": v, "next_service": v.next_service_due()} for v in vehicles],
        "consents": [(ConsentPurpose(p).label, c) for p, c in current_consents(customer).items()],
        "preference_labels": [Preference(p).label for p in customer.preferences if p in Preference.values],
        "former_vehicles": list(
            VehicleOwnership.objects.filter(customer=customer, ended_at__isnull=False).select_related("vehicle")
        ),
        "class_changes": list(customer.class_changes.select_related("changed_by")[:20]),
        "merged_records": list(Customer.objects.filter(merged_into=customer).order_by("-updated_at")),
    }
