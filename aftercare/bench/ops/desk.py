# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The service desk (docs/DOMAIN.md §25): the standard answers' search as staff type it (a
word found inside compounds, with its synonyms) and the rescue board page.

The dataset is made here once per run: the demo's 66 answers repeated for many models (3,000
answers, 300 at the tiny scale) with their indexed terms, the demo's synonyms, and rescues
(40 open, 400 closed). Floors: for the search, the same three reads by hand (the synonyms, the
terms grouped and ranked per answer, the answers); for the board, the do-nothing page plus the
open rescues with their technician and customer."""

import secrets

from django.utils import timezone

from aftercare.accounts.models import User
from aftercare.core.permissions import Perm
from aftercare.desk import segment, selectors
from aftercare.desk.faq_demo import ENTRIES, SYNONYMS
from aftercare.desk.models import FaqEntry, FaqSynonym, FaqTerm, RescueRequest

from ..harness import PAGE, SEARCH, Case, Context, operation
from .customers import _ok, raw
from .service import samples

D = {m.__name__: m._meta.db_table for m in (FaqEntry, FaqSynonym, FaqTerm, RescueRequest, User)}
MODELS = ("", "雅阁", "思域", "CR-V", "飞度", "凌派", "缤智", "奥德赛", "皓影", "型格", "e:NP1", "冠道", "享域",
          "XR-V", "INSPIRE", "锋范", "艾力绅", "哥瑞", "竞瑞", "理念", "歌诗图", "杰德", "URV", "思铂睿", "极湃1",
          "e:NS1", "M-NV", "VE-1", "致在", "型格HATCHBACK", "雅阁锐混动", "CR-V锐混动", "奥德赛锐混动",
          "皓影锐混动", "INSPIRE锐混动", "艾力绅锐混动", "思域HATCHBACK", "思域TYPE R", "飞度运动版", "凌派锐混动",
          "缤智运动版", "冠道运动版", "享域锐混动", "XR-V运动版", "e:NP2", "e:NS2")  # fmt: skip


def _dataset(ctx: Context) -> dict:
    data = ctx.cache.get("desk")
    if data:
        return data
    store = samples(ctx)["store"]
    total = 300 if ctx.scale == "tiny" else 3000
    if not FaqEntry.objects.filter(store=store).exists():
        terms = {index: segment.index_terms(q, a) for index, (_c, q, a, _p) in enumerate(ENTRIES)}
        model_terms = {m: segment.index_terms(m) for m in MODELS}
        entries = FaqEntry.objects.bulk_create(
            FaqEntry(store=store, category=c, model=MODELS[(n // len(ENTRIES)) % len(MODELS)], question=q,
                     answer=a, public=p, use_count=n % 37)
            for n in range(total)
            for c, q, a, p in [ENTRIES[n % len(ENTRIES)]]
        )  # fmt: skip
        FaqTerm.objects.bulk_create(
            (
                FaqTerm(store=store, entry_id=entry.pk, term=t)
                for n, entry in enumerate(entries)
                for t in sorted(terms[n % len(ENTRIES)] | model_terms[entry.model])
            ),
            batch_size=2000,
        )
        FaqSynonym.objects.bulk_create(FaqSynonym(store=store, word=w, synonym=s) for w, s in SYNONYMS)
    if not RescueRequest.objects.filter(store=store).exists():
        now = timezone.now()
        technician = User.objects.filter(memberships__store=store).order_by("id").first()
        RescueRequest.objects.bulk_create(
            RescueRequest(
                store=store, number=f"RS{n:06d}", channel="phone_page", contact_name="王先生",
                contact_phone="13800000000", plate=f"粤A{n:05d}", address="广州市天河区天河路385号", symptom="爆胎",
                received_at=now - timezone.timedelta(minutes=3 * n + 1),
                status=("new", "dispatched", "on_the_way", "arrived")[n % 4] if n < 40 else "done",
                technician=technician if n % 4 else None, rescue_vehicle="救援车1号" if n % 4 else "",
                token_hash=secrets.token_hex(32),
            )
            for n in range(440)
        )  # fmt: skip
    data = {"store": store}
    ctx.cache["desk"] = data
    return data


@operation("search.faq", goal=SEARCH, kind="lookup")
def faq_search(ctx: Context) -> Case:
    """The answers to 电瓶没电 (a synonym of 蓄电池) as staff type it, against the same reads by hand."""
    store = _dataset(ctx)["store"]
    sql, user, query = raw(ctx), ctx.users["advisor"], "电瓶没电"
    words = segment.query_terms(query)

    def run():
        entries = FaqEntry.objects.for_user(user, Perm.DESK_WORK)
        return [e.pk for e in selectors.faq_search(entries=entries, store_ids=[store.pk], query=query).entries]

    def floor():
        marks = ", ".join(["%s"] * len(words))
        rows = sql.rows(
            f"SELECT word, synonym FROM {D['FaqSynonym']} WHERE store_id = %s AND (word IN ({marks}) "
            f"OR synonym IN ({marks}))",
            [store.pk, *words, *words],
        )
        groups = [{w} | {s for x, s in rows if x == w} | {x for x, s in rows if s == w} for w in words]
        every = sorted(set().union(*groups))
        today = timezone.localdate()
        matched = " + ".join(
            f"CASE WHEN SUM(CASE WHEN t.term IN ({', '.join(['%s'] * len(g))}) THEN 1 ELSE 0 END) > 0 THEN 1 ELSE 0 END"
            for g in groups
        )
        params = [p for g in groups for p in sorted(g)]
        ids = [
            row[0]
            for row in sql.rows(
                f"SELECT t.entry_id, {matched} AS m, MAX(e.use_count) AS u FROM {D['FaqTerm']} t "
                f"JOIN {D['FaqEntry']} e ON e.id = t.entry_id WHERE t.store_id = %s "
                f"AND t.term IN ({', '.join(['%s'] * len(every))}) "
                f"AND (e.valid_from IS NULL OR e.valid_from <= %s) AND (e.valid_until IS NULL OR e.valid_until >= %s) "
                f"GROUP BY t.entry_id ORDER BY m DESC, u DESC, t.entry_id LIMIT 20",
                [*params, store.pk, *every, today, today],
            )
        ]
        fetch = ids or [0]
        found = {row[0] for row in sql.rows(f"SELECT * FROM {D['FaqEntry']} WHERE id IN {sql.in_list(fetch)}", fetch)}
        return [pk for pk in ids if pk in found]

    return Case(run=run, floor=[floor], same_answer=lambda: run() == floor())


@operation("page.rescue_board", goal=PAGE, kind="page")
def rescue_board(ctx: Context) -> Case:
    """The rescue board (40 open rescues among 440) against the do-nothing page and its rows by hand."""
    store = _dataset(ctx)["store"]
    sql, client = raw(ctx), ctx.clients["advisor"]

    def rows():
        return sql.rows(
            f"SELECT r.*, u.id, u.username, u.full_name FROM {D['RescueRequest']} r "
            f"LEFT JOIN {D['User']} u ON u.id = r.technician_id WHERE r.store_id = %s "
            f"AND r.status IN ('new', 'dispatched', 'on_the_way', 'arrived', 'towing') ORDER BY r.received_at, r.id "
            f"LIMIT 100",
            [store.pk],
        )

    return Case(
        run=lambda: _ok(client.get("/desk/rescues/")),
        floor=[lambda: _ok(client.get("/bench/noop/")), rows],
    )
