# ruff: noqa: S608
# SQL is assembled from table names (Model._meta.db_table), column names and
# placeholders; every value is a bound parameter (store ids inlined in the
# COPY statement are ints read from the database).
"""Customers and vehicles: the search box (selector, htmx partial, API), the
customer 360 page, the vehicle page, the customer list, creating a customer,
and the customer export (CSV, xlsx).

Each operation states its floor: hand-written SQL on the driver's connection
fetching the same rows (plus, for pages and API calls, a do-nothing view
served the same way), or one set-based statement for an export.
"""

import csv
import itertools
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.core.masking import mask_field, mask_phone
from aftercare.core.models import AuditEntry, DocumentSequence, Store
from aftercare.core.permissions import Perm
from aftercare.customers import search as search_box
from aftercare.customers.choices import ContactChannel, CustomerKind, CustomerSource, Gender
from aftercare.customers.exports import export_list
from aftercare.customers.imports import CUSTOMERS
from aftercare.customers.models import (
    ClassChange,
    Consent,
    Customer,
    OdometerReading,
    SearchKey,
    Vehicle,
    VehicleOwnership,
)
from aftercare.customers.normalize import name_pinyin
from aftercare.customers.services import CUSTOMER_FIELDS, customer_create

from ..harness import EXPORT_CSV, EXPORT_XLSX, PAGE, SEARCH, WRITE, Case, Context, operation
from ..sql import RawSQL

T = {
    m.__name__: m._meta.db_table
    for m in (Customer, Vehicle, SearchKey, Consent, VehicleOwnership, OdometerReading, ClassChange, User, Store)
}
T.update(seq=DocumentSequence._meta.db_table, audit=AuditEntry._meta.db_table)


# --- what the data offers to search for ---------------------------------------------------


def samples(ctx: Context) -> dict:
    """Search inputs and records taken from the middle of the data, the same for a seed."""
    if ctx.samples:
        return ctx.samples
    advisor = ctx.users["advisor"]
    store = Store.objects.get(pk=advisor.store_ids(Perm.CUSTOMER_VIEW)[0])
    vehicles = Vehicle.objects.filter(store=store, is_active=True).order_by("id")
    vehicle = vehicles[vehicles.count() // 2]
    people = Customer.objects.filter(store=store, kind=CustomerKind.PERSON).order_by("id")
    middle = people.count() // 2
    window = list(people[middle : middle + 200])
    two = next(c for c in window if len(c.name) == 2)
    three = next(c for c in window if len(c.name) == 3)
    owners = (
        Vehicle.objects.filter(store=store)
        .values("owner_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("owner_id")
        .values_list("owner_id", flat=True)
    )
    ctx.samples.update(
        store=store,
        queries={
            "plate": vehicle.plate[2:6],  # any 3+ characters of a plate
            "mobile4": window[0].mobile[-4:],
            "vin6": vehicle.vin[-6:],
            "name2": two.name,  # a whole two-character name
            "surname": "王",  # the commonest surname: the largest result set
            "initials": three.name_initials,
            "pinyin": two.name_pinyin,
        },
        customer_id=owners[len(owners) // 2],
        vehicle_id=vehicle.pk,
    )
    return ctx.samples


def raw(ctx: Context) -> RawSQL:
    return ctx.cache.setdefault("raw", RawSQL())


# --- the search box -------------------------------------------------------------------------


# Each key's rows best first, as the selector ranks them: latest visit first (never visited
# last), then the newest record.
_RANK = "ORDER BY {t}last_visit_at DESC NULLS LAST, {t}id DESC"


def _id_parts(sql: RawSQL, plan, store_ids, cap):
    """The selector's id sub-queries, written by hand: [(tag, sql, params)], each ranked and
    keeping `cap + 1` rows (the one past the cap says the key was cut)."""
    stores = f"{sql.weak('store_id')} IN {sql.in_list(store_ids)}"
    key_stores = f"{sql.weak('k.store_id')} IN {sql.in_list(store_ids)}"
    customers = f"SELECT id FROM {T['Customer']} WHERE {sql.weak('merged_into_id')} IS NULL AND {stores}"
    parts = []
    for kind, value in plan:
        if kind in ("plate_key", "company_key", "plate_suffix"):
            key_kind, column, table = (
                ("company", "customer_id", T["Customer"])
                if kind == "company_key"
                else ("plate", "vehicle_id", T["Vehicle"])
            )
            if kind == "plate_suffix":
                condition, params = "k.key = %s", [value]
            else:
                condition, params = sql.prefix("k.key", value)
            parts.append(
                (
                    0 if kind == "company_key" else 1,
                    f"SELECT k.{column} FROM {T['SearchKey']} k LEFT JOIN {table} o ON o.id = k.{column} "
                    f"WHERE k.kind = %s AND {condition} AND {key_stores} {_RANK.format(t='o.')}",
                    [key_kind, *params, *store_ids],
                )
            )
        elif kind == "vin_suffix":
            condition, params = sql.prefix("vin_rev", value)
            parts.append(
                (1, f"SELECT id FROM {T['Vehicle']} WHERE {stores} AND {condition} {_RANK.format(t='')}",
                 [*store_ids, *params])
            )  # fmt: skip
        elif kind == "mobile":
            parts.append((0, f"{customers} AND mobile = %s {_RANK.format(t='')}", [*store_ids, value]))
        else:
            column = {"name": "name", "mobile_suffix": "mobile_rev", "initials": "name_initials"}.get(
                kind, "name_pinyin"
            )
            condition, params = sql.prefix(column, value)
            parts.append((0, f"{customers} AND {condition} {_RANK.format(t='')}", [*store_ids, *params]))
    return [(tag, f"SELECT * FROM (SELECT sub.*, {n} AS part, {tag} AS tag FROM ({text} LIMIT {cap + 1}) sub) AS t{n}",
             params) for n, (tag, text, params) in enumerate(parts)]  # fmt: skip


def _datetime_reader(sql: RawSQL):
    """The driver's timestamps as the app returns them, aware: Django's sqlite3
    connection parses `datetime` columns into naive UTC datetimes, psycopg gives
    aware ones already."""
    if sql.vendor == "sqlite":
        return lambda value: value.replace(tzinfo=UTC) if value else None
    return lambda value: value


def floor_search(
    ctx: Context, query: str, limit: int = search_box.SEARCH_LIMIT
) -> list[tuple[int, int | None, datetime | None]]:
    """The search box's answer by hand: the ids (one UNION ALL), the vehicles with
    their owners, then owners without a shown vehicle. Each result line as the
    selector gives it (masked phone, model, last visit as a datetime);
    returned as [(customer_id, vehicle_id, last_visit_at)]."""
    sql = raw(ctx)
    when = _datetime_reader(sql)
    user = ctx.users["advisor"]
    store_ids = user.store_ids(Perm.CUSTOMER_VIEW)
    reveal = set(user.store_ids(Perm.CONTACT_REVEAL))
    plan = search_box._plan(query)
    if not plan:
        return []
    parts = _id_parts(sql, plan, store_ids, limit * 2)
    ids = sql.rows(" UNION ALL ".join(text for _tag, text, _params in parts), [p for *_x, ps in parts for p in ps])
    customer_ids = {i for i, _part, tag in ids if tag == 0 and i is not None}
    vehicle_ids = {i for i, _part, tag in ids if tag == 1 and i is not None}
    if not customer_ids and not vehicle_ids:
        return []
    conditions, params = [], list(store_ids)
    if vehicle_ids:
        conditions.append(f"v.id IN {sql.in_list(vehicle_ids)}")
        params += sorted(vehicle_ids)
    if customer_ids:
        conditions.append(f"(v.owner_id IN {sql.in_list(customer_ids)} AND v.is_active)")
        params += sorted(customer_ids)
    rows = sql.rows(
        f"SELECT v.id, v.plate, v.vin, v.brand, v.model, v.last_visit_at, v.store_id, v.owner_id, "
        f"c.name, c.number, c.mobile, c.last_visit_at "
        f"FROM {T['Vehicle']} v JOIN {T['Customer']} c ON c.id = v.owner_id "
        f"WHERE {sql.weak('v.store_id')} IN {sql.in_list(store_ids)} AND ({' OR '.join(conditions)}) "
        f"ORDER BY v.last_visit_at DESC NULLS LAST, v.id DESC LIMIT {limit + 1}",
        params,
    )
    results = [
        (
            r[7], r[0], r[8], r[9], r[10] if r[6] in reveal else mask_phone(r[10]), r[1], r[2], f"{r[3]} {r[4]}",
            when(r[5] or r[11]),
        )
        for r in rows[:limit]
    ]  # fmt: skip
    rest = customer_ids - {r[0] for r in results}
    room = limit - len(results)
    if rest and room:
        for r in sql.rows(
            f"SELECT id, name, number, mobile, last_visit_at, store_id FROM {T['Customer']} "
            f"WHERE id IN {sql.in_list(rest)} ORDER BY last_visit_at DESC NULLS LAST, id DESC LIMIT {room + 1}",
            sorted(rest),
        )[:room]:
            results.append(
                (r[0], None, r[1], r[2], r[3] if r[5] in reveal else mask_phone(r[3]), "", "", "", when(r[4]))
            )
    return [(r[0], r[1], r[8]) for r in results]


def _search_case(ctx: Context, key: str, way: str) -> Case:
    s = samples(ctx)
    query = s["queries"][key]
    user = ctx.users["advisor"]
    client = ctx.clients["advisor"]

    def app_answer():
        return [(r.customer_id, r.vehicle_id, r.last_visit_at) for r in search_box.search(user, query)]

    def same():
        # Both rank each key before its cap, so even a capped key (王) gives the same lines.
        return app_answer() == floor_search(ctx, query)

    def sql_floor():
        return floor_search(ctx, query)

    if way == "selector":
        return Case(run=lambda: search_box.search(user, query), floor=[sql_floor], same_answer=same)
    if way == "page":  # what the top bar's box requests as the user types: the htmx partial
        return Case(
            run=lambda: _ok(client.get("/search/", {"q": query}, headers={"HX-Request": "true"})),
            floor=[lambda: _ok(client.get("/bench/noop/", headers={"HX-Request": "true"})), sql_floor],
            same_answer=same,
        )
    if way == "full":
        return Case(
            run=lambda: _ok(client.get("/search/", {"q": query})),
            floor=[lambda: _ok(client.get("/bench/noop/")), sql_floor],
            same_answer=same,
        )
    return Case(
        run=lambda: _ok(client.get("/api/v1/search/", {"q": query})),
        floor=[lambda: _ok(client.get("/api/v1/bench/noop/")), sql_floor],
        same_answer=lambda: same()
        and [(r["customer_id"], r["vehicle_id"]) for r in client.get("/api/v1/search/", {"q": query}).json()]
        == [answer[:2] for answer in app_answer()],
    )


def _ok(response):
    if response.status_code != 200:
        raise RuntimeError(f"HTTP {response.status_code}")
    # Consume a streaming body the way a server would.
    if response.streaming:
        for _chunk in response.streaming_content:
            pass
    return response


SEARCH_KEYS = ("plate", "mobile4", "vin6", "name2", "surname", "initials", "pinyin")
for _key in SEARCH_KEYS:
    operation(f"search.{_key}", goal=SEARCH, kind="lookup")(lambda ctx, k=_key: _search_case(ctx, k, "selector"))
for _key in SEARCH_KEYS:
    operation(f"page.search.{_key}", goal=SEARCH, kind="page")(lambda ctx, k=_key: _search_case(ctx, k, "page"))
for _key in SEARCH_KEYS:
    operation(f"api.search.{_key}", goal=SEARCH, kind="api")(lambda ctx, k=_key: _search_case(ctx, k, "api"))


@operation("page.search_full.plate", goal=PAGE, kind="page")
def _search_full_page(ctx):
    return _search_case(ctx, "plate", "full")


# --- pages ----------------------------------------------------------------------------------------


@operation("page.customer_360", goal=PAGE, kind="page")
def customer_page(ctx: Context) -> Case:
    s, sql, client = samples(ctx), raw(ctx), ctx.clients["advisor"]
    pk = s["customer_id"]
    stores = ctx.users["advisor"].store_ids(Perm.CUSTOMER_VIEW)

    def rows():
        sql.rows(
            f"SELECT c.*, s.*, u.* FROM {T['Customer']} c JOIN {T['Store']} s ON s.id = c.store_id "
            f"LEFT JOIN {T['User']} u ON u.id = c.assigned_advisor_id "
            f"WHERE c.id = %s AND c.store_id IN {sql.in_list(stores)}",
            [pk, *stores],
        )
        sql.rows(
            f"SELECT * FROM {T['Vehicle']} WHERE owner_id = %s ORDER BY is_active DESC, last_visit_at DESC, id", [pk]
        )
        sql.rows(
            f"SELECT * FROM {T['Consent']} WHERE customer_id = %s ORDER BY purpose, recorded_at DESC, id DESC", [pk]
        )
        sql.rows(
            f"SELECT o.*, v.* FROM {T['VehicleOwnership']} o JOIN {T['Vehicle']} v ON v.id = o.vehicle_id "
            f"WHERE o.customer_id = %s AND o.ended_at IS NOT NULL ORDER BY o.started_at DESC, o.id DESC",
            [pk],
        )
        sql.rows(
            f"SELECT cc.*, u.* FROM {T['ClassChange']} cc LEFT JOIN {T['User']} u ON u.id = cc.changed_by_id "
            f"WHERE cc.customer_id = %s ORDER BY cc.changed_at DESC, cc.id DESC LIMIT 20",
            [pk],
        )

    return Case(run=lambda: _ok(client.get(f"/customers/{pk}/")), floor=[lambda: _ok(client.get("/bench/noop/")), rows])


@operation("page.vehicle", goal=PAGE, kind="page")
def vehicle_page(ctx: Context) -> Case:
    s, sql, client = samples(ctx), raw(ctx), ctx.clients["advisor"]
    pk = s["vehicle_id"]
    stores = ctx.users["advisor"].store_ids(Perm.CUSTOMER_VIEW)

    def rows():
        sql.rows(
            f"SELECT v.*, c.*, s.* FROM {T['Vehicle']} v JOIN {T['Customer']} c ON c.id = v.owner_id "
            f"JOIN {T['Store']} s ON s.id = v.store_id WHERE v.id = %s AND v.store_id IN {sql.in_list(stores)}",
            [pk, *stores],
        )
        sql.rows(
            f"SELECT o.*, c.* FROM {T['VehicleOwnership']} o JOIN {T['Customer']} c ON c.id = o.customer_id "
            f"WHERE o.vehicle_id = %s ORDER BY o.started_at DESC, o.id DESC",
            [pk],
        )
        sql.rows(
            f"SELECT r.*, u.* FROM {T['OdometerReading']} r LEFT JOIN {T['User']} u ON u.id = r.recorded_by_id "
            f"WHERE r.vehicle_id = %s ORDER BY r.recorded_at DESC, r.id DESC LIMIT 20",
            [pk],
        )
        sql.rows(
            f"SELECT cc.*, u.* FROM {T['ClassChange']} cc LEFT JOIN {T['User']} u ON u.id = cc.changed_by_id "
            f"WHERE cc.vehicle_id = %s ORDER BY cc.changed_at DESC, cc.id DESC LIMIT 20",
            [pk],
        )

    return Case(run=lambda: _ok(client.get(f"/vehicles/{pk}/")), floor=[lambda: _ok(client.get("/bench/noop/")), rows])


@operation("page.customer_list", goal=PAGE, kind="page")
def customer_list_page(ctx: Context) -> Case:
    sql, client = raw(ctx), ctx.clients["advisor"]
    stores = ctx.users["advisor"].store_ids(Perm.CUSTOMER_VIEW)

    # Newest first: in one store by number, which the (store, number) unique index
    # delivers as it is (by id, PostgreSQL walks the primary key past every other
    # store's customers: see docs/PERFORMANCE.md, group scale).
    order = "c.number DESC" if len(stores) == 1 else "c.id DESC"

    def rows():
        sql.rows(
            f"SELECT c.*, u.* FROM {T['Customer']} c LEFT JOIN {T['User']} u ON u.id = c.assigned_advisor_id "
            f"WHERE c.store_id IN {sql.in_list(stores)} AND c.merged_into_id IS NULL ORDER BY {order} LIMIT 51",
            stores,
        )

    return Case(run=lambda: _ok(client.get("/customers/")), floor=[lambda: _ok(client.get("/bench/noop/")), rows])


# --- writes ------------------------------------------------------------------------------------------

_numbers = itertools.count(1)


def _new_person(prefix: str) -> dict:
    n = next(_numbers)
    return {
        "kind": CustomerKind.PERSON, "name": "测试" + "伟芳娜秀英"[n % 5], "mobile": f"{prefix}{n:08d}",
        "region": "天河区", "preferred_channel": ContactChannel.PHONE, "source": CustomerSource.WALK_IN,
    }  # fmt: skip


@operation("write.customer_create", goal=WRITE, kind="write")
def create_customer(ctx: Context) -> Case:
    """The service against the same rows written by hand in one transaction:
    duplicate-mobile check, next number, the customer, the audit row."""
    s, sql = samples(ctx), raw(ctx)
    advisor, store = ctx.users["advisor"], s["store"]
    fields = [f for f in Customer._meta.concrete_fields if not f.primary_key]
    template = Customer(store=store, number="", kind=CustomerKind.PERSON, name="", mobile="")
    base = {f.column: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields}
    columns = list(base)
    insert = (
        f"INSERT INTO {T['Customer']} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) RETURNING id"
    )
    audit = (
        f"INSERT INTO {T['audit']} (created_at, actor_id, actor_name, store_id, action, object_type, object_id, "
        f"object_repr, changes, reason, ip_address) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, NULL)"
    )
    adapt_dt, adapt_json = connection.ops.adapt_datetimefield_value, connection.ops.adapt_json_value

    def by_hand():
        data = _new_person("147")
        now = adapt_dt(timezone.now())
        pinyin, initials = name_pinyin(data["name"])
        sql.begin()
        try:
            sql.rows(
                f"SELECT id FROM {T['Customer']} WHERE {sql.weak('store_id')} = %s AND mobile = %s "
                f"AND {sql.weak('merged_into_id')} IS NULL ORDER BY id LIMIT 1",
                [store.pk, data["mobile"]],
            )
            (number,) = sql.rows(
                f"UPDATE {T['seq']} SET last_value = last_value + 1 WHERE store_id = %s AND kind = %s "
                f"RETURNING last_value",
                [store.pk, "customer"],
            )[0]
            values = {
                **base, **{k: v for k, v in data.items() if k in base}, "number": f"C{number:06d}",
                "mobile_rev": data["mobile"][::-1], "name_pinyin": pinyin, "name_initials": initials,
                "created_at": now, "updated_at": now,
            }  # fmt: skip
            (customer_id,) = sql.rows(insert, [values[c] for c in columns])[0]
            changes = {name: [None, mask_field(name, data.get(name, ""))] for name in CUSTOMER_FIELDS if data.get(name)}
            sql.rows(
                audit,
                [
                    now, advisor.pk, advisor.username, store.pk, AuditEntry.Action.CREATE, "customers.customer",
                    str(customer_id), f"{data['name']}（C{number:06d}）", adapt_json(changes, None), "",
                ],
            )  # fmt: skip
        except BaseException:
            sql.raw.execute("ROLLBACK")
            raise
        sql.commit()

    return Case(
        run=lambda: customer_create(actor=advisor, store=store, data=_new_person("145")), floor=[by_hand], repeats=None
    )


# --- exports --------------------------------------------------------------------------------------------


def _case_sql(column: str, choices) -> str:
    whens = " ".join(f"WHEN '{value}' THEN '{label}'" for value, label in choices)
    return f"CASE {column} {whens} ELSE {column} END"


def export_sql(sql: RawSQL, store_ids: list[int]) -> str:
    """The export's table as one set-based statement (labels, joined tags, local dates in SQL)."""
    offset_hours = int(timezone.localtime().utcoffset() / timedelta(hours=1))
    if sql.vendor == "sqlite":
        tags = "(SELECT group_concat(value, '、') FROM json_each(c.tags))"
        last_visit = f"date(c.last_visit_at, '{offset_hours:+d} hours')"
    else:
        tags = "array_to_string(ARRAY(SELECT jsonb_array_elements_text(c.tags)), '、')"
        last_visit = f"(c.last_visit_at AT TIME ZONE '{timezone.get_current_timezone_name()}')::date"
    stores = ", ".join(str(int(i)) for i in store_ids)  # ints from the database, inlined for COPY
    return (
        f"SELECT c.number, c.name, {_case_sql('c.kind', CustomerKind.choices)}, c.contact_person, c.mobile, "
        f"{_case_sql('c.gender', Gender.choices)}, c.birthday, c.region, c.address, "
        f"{_case_sql('c.preferred_channel', ContactChannel.choices)}, {_case_sql('c.source', CustomerSource.choices)}, "
        f"c.wechat_id, c.email, {tags}, s.name, {last_visit} "
        f"FROM {T['Customer']} c JOIN {T['Store']} s ON s.id = c.store_id "
        f"WHERE c.store_id IN ({stores}) AND c.merged_into_id IS NULL ORDER BY c.id"
    )


class _Counter:
    def __init__(self):
        self.bytes = 0

    def write(self, text):
        self.bytes += len(text.encode())


def floor_export(ctx: Context) -> int:
    sql = raw(ctx)
    manager = ctx.users["manager"]
    statement = export_sql(sql, manager.store_ids(Perm.DATA_EXPORT))
    if sql.vendor == "sqlite":  # what `sqlite3 -csv` does, in process
        sink = _Counter()
        writer = csv.writer(sink)
        writer.writerow(["\ufeff"])
        writer.writerows(sql.raw.execute(statement))
        return sink.bytes
    total = 0
    with sql.cursor().copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
        for block in copy:
            total += len(block)
    return total


def _consume(response) -> int:
    total = 0
    try:
        for chunk in response.streaming_content:
            total += len(chunk)
    finally:
        response.close()
    return total


def _export_case(ctx: Context, fmt: str) -> Case:
    manager = ctx.users["manager"]
    store_ids = manager.store_ids(Perm.DATA_EXPORT)
    active = Customer.objects.filter(store_id__in=store_ids, merged_into__isnull=True).order_by("id")
    n = max(1, active.count() // 4)

    def export_rows(rows: int):
        last_id = active.values_list("id", flat=True)[rows - 1]
        narrowed = Customer.objects.filter(pk__lte=last_id)
        return lambda: _consume(export_list(user=manager, kind=CUSTOMERS, fmt=fmt, queryset=narrowed))

    return Case(
        run=lambda: _consume(export_list(user=manager, kind=CUSTOMERS, fmt=fmt)),
        floor=[lambda: floor_export(ctx)],
        memory=export_rows,
        memory_rows=n,
        repeats=max(3, ctx.repeats // 3),
    )


@operation("export.customers.csv", goal=EXPORT_CSV, kind="export")
def export_csv(ctx):
    return _export_case(ctx, "csv")


@operation("export.customers.xlsx", goal=EXPORT_XLSX, kind="export")
def export_xlsx(ctx):
    return _export_case(ctx, "xlsx")


__all__ = ["export_sql", "floor_search", "samples"]
