"""Reads of customers and vehicles that are more than a filter: the search box,
the 360° view, current consents."""

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Q, QuerySet

from aftercare.accounts.models import User
from aftercare.core.compiled import CompiledQuery
from aftercare.core.masking import mask_phone
from aftercare.core.permissions import Perm

from .choices import ConsentPurpose, Preference
from .lookups import _upper_bound
from .models import ClassChange, Consent, Customer, OdometerReading, SearchKey, Vehicle, VehicleOwnership
from .normalize import PROVINCES

SEARCH_LIMIT = 20
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ALNUM = re.compile(r"^[A-Za-z0-9]+$")
_STRIP = re.compile(r"[\s\-·.+]")


@dataclass
class SearchResult:
    """One line of the search box: a vehicle with its owner, or a customer without vehicles.

    Not frozen: a frozen dataclass costs five times as much to build, and a
    search builds up to twenty per keystroke. Nothing changes one once built."""

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


# --- the queries of a search, each defined once with the ORM -------------------------------------

_VEHICLE_KEYS = frozenset({"plate_key", "plate_suffix", "vin_suffix"})


def _id_query(kind: str, value: str, store_ids) -> QuerySet:
    """The ids one key finds: vehicle ids for a plate or VIN key, customer ids otherwise."""
    if kind == "vin_suffix":
        return Vehicle.objects.filter(store_id__in=store_ids, vin_rev__prefix=value).values("id")
    keys = SearchKey.objects.filter(store_id__in=store_ids)
    if kind == "plate_key":
        return keys.filter(kind=SearchKey.Kind.PLATE, key__prefix=value).values("vehicle_id")
    if kind == "plate_suffix":
        return keys.filter(kind=SearchKey.Kind.PLATE, key=value).values("vehicle_id")
    if kind == "company_key":
        return keys.filter(kind=SearchKey.Kind.COMPANY, key__prefix=value).values("customer_id")
    customers = Customer.objects.active().filter(store_id__in=store_ids)
    if kind == "mobile":
        return customers.filter(mobile=value).values("id")
    column = {"name": "name", "mobile_suffix": "mobile_rev", "initials": "name_initials", "pinyin": "name_pinyin"}
    return customers.filter(**{f"{column[kind]}__prefix": value}).values("id")


def _ids_sql(parts: list[tuple[str, str, Sequence]]) -> tuple[str, list]:
    """One statement for every key: each key's query capped in its own derived
    table (so a one-character surname like 王, 7 % of people, reads at most
    `cap` index entries) and tagged 1 for vehicle ids, 0 for customer ids.

    Hand-assembled because SQLite refuses LIMIT inside a plain UNION, which is
    what QuerySet.union() would produce."""
    texts, params = [], []
    for n, (kind, sql, part_params) in enumerate(parts):
        tag = 1 if kind in _VEHICLE_KEYS else 0
        # Only Django-compiled SQL is wrapped here; every value stays a bound parameter.
        texts.append(f"SELECT * FROM (SELECT sub.*, {tag} AS tag FROM ({sql}) sub) AS t{n}")  # noqa: S608
        params.extend(part_params)
    return " UNION ALL ".join(texts), params


def _vehicle_rows_query(store_ids, vehicle_ids, customer_ids, limit: int) -> QuerySet:
    """The matching vehicles and the active vehicles of the matching customers, with their owners."""
    return (
        Vehicle.objects.filter(store_id__in=store_ids)
        .filter(Q(pk__in=vehicle_ids) | Q(owner_id__in=customer_ids, is_active=True))
        .order_by("-last_visit_at", "-id")
        .values_list(
            "owner_id", "owner__name", "owner__number", "owner__mobile", "id", "plate", "vin", "brand", "model",
            "last_visit_at", "owner__last_visit_at", "store_id",
        )[:limit]
    )  # fmt: skip


def _customer_rows_query(customer_ids, limit: int) -> QuerySet:
    """Matching customers not shown with a vehicle (already scoped: the ids come from the user's stores)."""
    return (
        Customer.objects.filter(pk__in=customer_ids)
        .order_by("-last_visit_at", "-id")
        .values_list("id", "name", "number", "mobile", "last_visit_at", "store_id")[:limit]
    )


class _ByOrm:
    """The reference way to run a search's queries: built and compiled by the ORM on every call."""

    @staticmethod
    def matching_ids(cursor, plan, store_ids, cap: int) -> tuple[set[int], set[int]]:
        parts = [
            (kind, *_id_query(kind, value, store_ids).order_by()[:cap].query.sql_with_params()) for kind, value in plan
        ]
        return _split_ids(cursor, *_ids_sql(parts))

    @staticmethod
    def vehicle_rows(cursor, store_ids, vehicle_ids, customer_ids, limit: int):
        return list(_vehicle_rows_query(store_ids, vehicle_ids, customer_ids, limit))

    @staticmethod
    def customer_rows(cursor, customer_ids, limit: int):
        return list(_customer_rows_query(customer_ids, limit))


def _split_ids(cursor, sql: str, params) -> tuple[set[int], set[int]]:
    customer_ids: set[int] = set()
    vehicle_ids: set[int] = set()
    cursor.execute(sql, params)
    for object_id, tag in cursor.fetchall():
        if object_id is not None:
            (vehicle_ids if tag == 1 else customer_ids).add(object_id)
    return customer_ids, vehicle_ids


# --- the same queries, compiled once per shape --------------------------------------------------
#
# Building and compiling up to eight QuerySets cost ≈ 1 ms per keystroke, twenty
# times the queries themselves. A query's SQL depends only on its shape (which
# keys, how many stores, how many ids), so each shape is compiled once by the
# ORM, from the functions above called with stand-ins for the arguments, and
# later searches bind their own values in the stand-ins' places.

_PLACEHOLDER = re.compile(r"%%|%s")
_NAMED = re.compile(r"%%|%\([a-z0-9_]+\)s")
_MARK = "\ue000"  # a private-use character: never typed, so never confused with a real value


def _like_prefix(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# How a typed value may appear among compiled parameters: as is (equality), as
# the upper end of a range (`__prefix` on SQLite), as a LIKE pattern (PostgreSQL).
_VALUE_FORMS = (None, _upper_bound, _like_prefix)


def _standin_ids(argument: int, count: int) -> list[int]:
    return [-(argument * 100_000 + i + 1) for i in range(count)]  # ids are positive


def _standin_texts(argument: int, count: int) -> list[str]:
    # The characters LIKE escapes are part of the stand-in, so a change in escaping cannot go unnoticed.
    return [f"{_MARK}{argument}.{i}\\%_" for i in range(count)]


class _Statement:
    """The SQL the ORM compiled for one shape, and where each argument goes among its parameters.

    Placeholders become named ones (`%(a1_0_0)s`): Django's SQLite cursor turns
    `%s` into `?` with a regular expression on every execute (≈ 30 µs for the id
    statement, a quarter of a search), but fills named ones with one `%`. An
    argument used in several places (the store ids in every key's query) is
    bound once."""

    __slots__ = ("converters", "slots", "sql")

    def __init__(self, sql: str, params: Sequence, standins: Sequence[Sequence], converters=None):
        places = {}
        for argument, values in enumerate(standins):
            for index, value in enumerate(values):
                for number, form in enumerate(_VALUE_FORMS if isinstance(value, str) else (None,)):
                    places[form(value) if form else value] = (f"a{argument}_{index}_{number}", argument, index, form)
        names, slots = [], {}
        for param in params:
            place = places.get(param) if isinstance(param, int | str) and not isinstance(param, bool) else None
            if place is None:
                if isinstance(param, str) and _MARK in param:
                    raise RuntimeError(f"search: a typed value compiled to an unknown form: {param!r}")
                place = (f"c{len(names)}", -1, param, None)  # a constant of the query (a key kind)
            names.append(place[0])
            slots[place[0]] = place[1:]
        found = {(argument, index) for argument, index, _form in slots.values() if argument >= 0}
        expected = {(argument, index) for argument, values in enumerate(standins) for index in range(len(values))}
        placeholders = iter(names)
        named = _PLACEHOLDER.sub(lambda m: m[0] if m[0] == "%%" else f"%({next(placeholders)})s", sql)
        if found != expected or _MARK in sql or next(placeholders, None) or "%" in _NAMED.sub("", named):
            # The ORM wrote an argument into the SQL text, or dropped one: this shape cannot be reused.
            raise RuntimeError(f"search: cannot bind every argument of {sql!r}")
        self.sql = named
        self.slots = tuple((name, *slot) for name, slot in slots.items())
        self.converters = [(position, *converter) for position, converter in (converters or {}).items()]

    def bind(self, *arguments) -> dict:
        """The parameters for these arguments (sequences, in the order of the stand-ins)."""
        return {
            name: index if argument < 0 else form(arguments[argument][index]) if form else arguments[argument][index]
            for name, argument, index, form in self.slots
        }

    def rows(self, cursor, *arguments) -> list:
        cursor.execute(self.sql, self.bind(*arguments))
        rows = cursor.fetchall()
        if not self.converters:
            return rows
        # What the ORM does to the values it reads (SQLite: aware datetimes).
        converted = []
        for row in rows:
            row = list(row)
            for position, functions, expression in self.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(row)
        return converted


def _compiled(queryset: QuerySet) -> tuple[str, tuple, dict]:
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    return sql, params, compiler.get_converters([column for column, *_x in compiler.select[: compiler.col_count]])


@functools.lru_cache(maxsize=512)
def _statement(vendor: str, shape: tuple) -> _Statement:
    """The statement of a shape, compiled the first time it is needed (per database vendor)."""
    what, *sizes = shape
    if what == "ids":
        kinds, store_count, cap = sizes
        values, stores = _standin_texts(0, len(kinds)), _standin_ids(1, store_count)
        parts = [
            (kind, *_compiled(_id_query(kind, value, stores).order_by()[:cap])[:2])
            for kind, value in zip(kinds, values, strict=True)
        ]
        return _Statement(*_ids_sql(parts), standins=[values, stores])
    if what == "vehicles":
        store_count, vehicle_count, customer_count, limit = sizes
        arguments = [_standin_ids(0, store_count), _standin_ids(1, vehicle_count), _standin_ids(2, customer_count)]
        sql, params, converters = _compiled(_vehicle_rows_query(*arguments, limit))
    else:
        customer_count, limit = sizes
        arguments = [_standin_ids(0, customer_count)]
        sql, params, converters = _compiled(_customer_rows_query(*arguments, limit))
    return _Statement(sql, params, arguments, converters)


def _padded(ids) -> list[int]:
    """The ids sorted, the last repeated up to 1, 2, 4 or a multiple of 8: a few
    dozen `IN (...)` lengths serve every search, each compiled once."""
    ids = sorted(ids)
    count = len(ids)
    if count:
        ids += ids[-1:] * ((1 << (count - 1).bit_length() if count <= 8 else -(-count // 8) * 8) - count)
    return ids


class _Compiled:
    """The search's queries as compiled SQL, kept per shape (the way `search` runs them)."""

    @staticmethod
    def matching_ids(cursor, plan, store_ids, cap: int) -> tuple[set[int], set[int]]:
        statement = _statement(connection.vendor, ("ids", tuple(kind for kind, _v in plan), len(store_ids), cap))
        return _split_ids(cursor, statement.sql, statement.bind([value for _k, value in plan], store_ids))

    @staticmethod
    def vehicle_rows(cursor, store_ids, vehicle_ids, customer_ids, limit: int):
        vehicle_ids, customer_ids = _padded(vehicle_ids), _padded(customer_ids)
        shape = ("vehicles", len(store_ids), len(vehicle_ids), len(customer_ids), limit)
        return _statement(connection.vendor, shape).rows(cursor, store_ids, vehicle_ids, customer_ids)

    @staticmethod
    def customer_rows(cursor, customer_ids, limit: int):
        customer_ids = _padded(customer_ids)
        return _statement(connection.vendor, ("customers", len(customer_ids), limit)).rows(cursor, customer_ids)


# --- the search box ---------------------------------------------------------------------------------


def search(user, query: str, *, limit: int = SEARCH_LIMIT) -> list[SearchResult]:
    """The search box: customers and vehicles of the user's stores matching a
    plate fragment, a mobile's last 4+ digits, a VIN's last 6+, a Chinese name
    or surname, pinyin (full or initials), or a company name.

    Two or three queries whatever the data: the matching ids (a UNION of index
    range scans, each capped), the vehicles with their owners, and matching
    customers without a vehicle shown when room is left.
    """
    return _search(user, query, limit, _Compiled)


def _search(user, query: str, limit: int, queries) -> list[SearchResult]:
    store_ids = user.store_ids(Perm.CUSTOMER_VIEW)
    plan = _plan(query)
    if not plan or not store_ids:
        return []
    with connection.cursor() as cursor:
        customer_ids, vehicle_ids = queries.matching_ids(cursor, plan, store_ids, limit * 2)
        if not customer_ids and not vehicle_ids:
            return []
        reveal_store_ids = set(user.store_ids(Perm.CONTACT_REVEAL))
        # Plain tuples rather than model instances: a search is on the hot path of
        # every keystroke, and these are all the columns a result line shows.
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
            for (owner_id, name, number, mobile, vehicle_id, plate, vin, brand, model, visited, owner_visited, store_id)
            in queries.vehicle_rows(cursor, store_ids, vehicle_ids, customer_ids, limit)
        ]  # fmt: skip
        rest = customer_ids.difference(r.customer_id for r in results)
        if rest and len(results) < limit:
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
                for customer_id, name, number, mobile, visited, store_id in queries.customer_rows(
                    cursor, rest, limit - len(results)
                )
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


# --- the customer and vehicle pages -----------------------------------------------------------------
#
# Building and compiling the pages' QuerySets cost more than running them (SQLite:
# ≈ 0.5 ms each against 20-80 µs for the statement), so each read is compiled once
# (core.compiled) and the page's objects are built from the rows with `from_db`.
# Of the rows around the customer or vehicle only the columns shown are read: a
# field the pages start to show must be added here.

_DB = DEFAULT_DB_ALIAS  # the alias CompiledQuery reads from
_USER = ("full_name", "username")  # User.__str__


def _attnames(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def _user_name(full_name, username) -> str:
    """str(User), or "" when nobody (the system) did it."""
    return full_name or username or ""


_CUSTOMER_FIELDS = _attnames(Customer)
_VEHICLE_FIELDS = _attnames(Vehicle)
# A customer page's vehicle row: the columns shown and those next_service_due() reads.
_VEHICLE_ROW_FIELDS = (
    "id", "plate", "vin", "brand", "model", "powertrain", "purchase_date", "maintenance_months", "maintenance_km",
    "odometer_km", "last_service_at", "last_service_km", "is_active",
)  # fmt: skip
_CLASS_CHANGE_FIELDS = ("id", "field", "old_value", "new_value", "changed_at", "changed_by_id", "reason")
_CONSENT_FIELDS = ("id", "customer_id", "purpose", "granted", "recorded_at")

# The customer or vehicle, if it is in one of the given stores (for_user's condition).
_CUSTOMER = CompiledQuery(
    lambda pk, store_ids: Customer.objects.filter(pk=pk, store__in=store_ids).values_list(
        *_CUSTOMER_FIELDS, *(f"assigned_advisor__{f}" for f in _USER)
    )
)
_VEHICLE = CompiledQuery(
    lambda pk, store_ids: Vehicle.objects.filter(pk=pk, store__in=store_ids).values_list(
        *_VEHICLE_FIELDS, "owner__name", "owner__mobile"
    )
)
_CUSTOMER_VEHICLES = CompiledQuery(
    lambda pk: Vehicle.objects.filter(owner=pk)
    .order_by("-is_active", "-last_visit_at", "id")
    .values_list(*_VEHICLE_ROW_FIELDS)
)
_CONSENTS = CompiledQuery(
    lambda pk: Consent.objects.filter(customer=pk)
    .order_by("purpose", "-recorded_at", "-id")
    .values_list(*_CONSENT_FIELDS)
)
_FORMER_VEHICLES = CompiledQuery(
    lambda pk: VehicleOwnership.objects.filter(customer=pk, ended_at__isnull=False).values_list(
        "vehicle__plate", "started_at", "ended_at"
    )
)
_OWNERS = CompiledQuery(
    lambda pk: VehicleOwnership.objects.filter(vehicle=pk).values_list(
        "customer_id", "customer__name", "started_at", "ended_at", "note"
    )
)
_READINGS = CompiledQuery(
    lambda pk: OdometerReading.objects.filter(vehicle=pk).values_list(
        "recorded_at", "km", "source", "correction_reason", *(f"recorded_by__{f}" for f in _USER)
    )[:20]
)
_CUSTOMER_CLASS_CHANGES = CompiledQuery(
    lambda pk: ClassChange.objects.filter(customer=pk).values_list(
        *_CLASS_CHANGE_FIELDS, *(f"changed_by__{f}" for f in _USER)
    )[:20]
)
_VEHICLE_CLASS_CHANGES = CompiledQuery(
    lambda pk: ClassChange.objects.filter(vehicle=pk).values_list(
        *_CLASS_CHANGE_FIELDS, *(f"changed_by__{f}" for f in _USER)
    )[:20]
)


class FormerVehicle(NamedTuple):
    plate: str
    started_at: datetime
    ended_at: datetime


class OwnerRow(NamedTuple):
    customer_id: int
    name: str
    started_at: datetime
    ended_at: datetime | None
    note: str


class ReadingRow(NamedTuple):
    recorded_at: datetime
    km: int
    source: str  # its label
    correction_reason: str
    recorded_by: str  # the user as User.__str__ shows them, "" when nobody


class ClassChangeRow(NamedTuple):
    changed_at: datetime
    field: str  # its label
    old_value: str
    new_value: str
    reason: str
    changed_by: str | None  # the user as User.__str__ shows them, None when nobody


def _class_changes(rows) -> list[ClassChangeRow]:
    labels = dict(ClassChange.Field.choices)
    width = len(_CLASS_CHANGE_FIELDS)
    return [
        ClassChangeRow(
            # The page has always printed a change nobody made as "None" (str(None)).
            row[4],
            labels.get(row[1], row[1]),
            row[2],
            row[3],
            row[6],
            _user_name(*row[width:]) or None,
        )
        for row in rows
    ]


def customer_page(user, pk: int) -> Customer | None:
    """The customer, with its assigned advisor, if it is in the user's stores (one query)."""
    found = _CUSTOMER.rows(pk, user.store_ids(Perm.CUSTOMER_VIEW))
    if not found:
        return None
    row = found[0]
    customer = Customer.from_db(_DB, _CUSTOMER_FIELDS, row[: len(_CUSTOMER_FIELDS)])
    if customer.assigned_advisor_id is not None:
        full_name, username = row[len(_CUSTOMER_FIELDS) :]
        # from_db() takes the fields in the model's order: id, username, full_name.
        customer.assigned_advisor = User.from_db(
            _DB, ("id", "username", "full_name"), (customer.assigned_advisor_id, username, full_name)
        )
    return customer


def customer_360(customer: Customer) -> dict:
    """Everything the customer page shows, fetched with a fixed number of queries."""
    pk = customer.pk
    vehicles = [Vehicle.from_db(_DB, _VEHICLE_ROW_FIELDS, row) for row in _CUSTOMER_VEHICLES.rows(pk)]
    latest: dict[str, Consent | None] = dict.fromkeys(ConsentPurpose.values)  # as current_consents()
    for row in _CONSENTS.rows(pk):
        if latest.get(row[2], False) is None:
            latest[row[2]] = Consent.from_db(_DB, _CONSENT_FIELDS, row)
    purposes = dict(ConsentPurpose.choices)
    return {
        "vehicles": [{"vehicle": v, "next_service": v.next_service_due()} for v in vehicles],
        "consents": [(purposes[p], c) for p, c in latest.items()],
        "preference_labels": [Preference(p).label for p in customer.preferences if p in Preference.values],
        "former_vehicles": [FormerVehicle(*row) for row in _FORMER_VEHICLES.rows(pk)],
        "class_changes": _class_changes(_CUSTOMER_CLASS_CHANGES.rows(pk)),
        # Lazy: only users who may merge see these (the page evaluates it under can_merge).
        "merged_records": Customer.objects.filter(merged_into=customer).order_by("-updated_at"),
    }


def vehicle_page(user, pk: int) -> Vehicle | None:
    """The vehicle, with its owner's name and mobile, if it is in the user's stores (one query)."""
    found = _VEHICLE.rows(pk, user.store_ids(Perm.CUSTOMER_VIEW))
    if not found:
        return None
    row = found[0]
    vehicle = Vehicle.from_db(_DB, _VEHICLE_FIELDS, row[: len(_VEHICLE_FIELDS)])
    name, mobile = row[len(_VEHICLE_FIELDS) :]
    vehicle.owner = Customer.from_db(_DB, ("id", "name", "mobile"), (vehicle.owner_id, name, mobile))
    return vehicle


def vehicle_history(vehicle: Vehicle) -> dict:
    """The vehicle page's owners, odometer readings and class changes (three queries)."""
    pk = vehicle.pk
    sources = dict(OdometerReading._meta.get_field("source").choices)
    return {
        "ownerships": [OwnerRow(*row) for row in _OWNERS.rows(pk)],
        "readings": [
            ReadingRow(recorded_at, km, sources.get(source, source), reason, _user_name(full_name, username))
            for recorded_at, km, source, reason, full_name, username in _READINGS.rows(pk)
        ],
        "class_changes": _class_changes(_VEHICLE_CLASS_CHANGES.rows(pk)),
    }
