# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""Personal-information rights (docs/DOMAIN.md §16.6, §16.7): the access log's cost on the
customer page, one access-log insert, and the nightly retention job for one store.

Floors: the same customer page with the log's receiver disconnected (what the page costs
without the log); one hand-written INSERT for the log row; and for the retention job (a dry
run, whose work is finding what each rule would take) the same five counts by hand-written
SQL over the same indexes."""

from django.db import connection, transaction
from django.utils import timezone

from aftercare.complaints.models import Complaint
from aftercare.core.audit import personal_data_viewed
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Consent, Customer
from aftercare.privacy.access import access_record
from aftercare.privacy.models import AccessLog, AnonymisedCustomer, RightsRequest
from aftercare.privacy.receivers import on_personal_data_viewed
from aftercare.privacy.retention import _years_ago, retention_run
from aftercare.service.models import CheckIn, Photo, RepairOrder

from ..harness import NIGHTLY, PAGE, WRITE, Case, Context, operation
from .customers import _ok, raw, samples

T = {
    m.__name__: m._meta.db_table
    for m in (AccessLog, Customer, Consent, Complaint, RepairOrder, Photo, CheckIn, AnonymisedCustomer, RightsRequest)
}
UID = "privacy_access_log"


def _without_log(call):
    personal_data_viewed.disconnect(dispatch_uid=UID)
    try:
        return call()
    finally:
        personal_data_viewed.connect(on_personal_data_viewed, dispatch_uid=UID)


@operation("page.customer_360_access_log", goal=PAGE, kind="page")
def customer_page_logged(ctx: Context) -> Case:
    """The customer page with its access-log row and hourly count, against the same page without."""
    client, pk = ctx.clients["advisor"], samples(ctx)["customer_id"]
    return Case(
        run=lambda: _ok(client.get(f"/customers/{pk}/")),
        floor=[lambda: _without_log(lambda: _ok(client.get(f"/customers/{pk}/")))],
    )


@operation("write.access_log_insert", goal=WRITE, kind="write")
def access_log_insert(ctx: Context) -> Case:
    """One look logged (the insert and the volume check) against one INSERT by hand."""
    sql, user, pk = raw(ctx), ctx.users["advisor"], samples(ctx)["customer_id"]
    store_id = user.store_ids(Perm.CUSTOMER_VIEW)[0]
    adapt = connection.ops.adapt_datetimefield_value

    def by_hand():
        sql.begin()
        sql.rows(
            f"INSERT INTO {T['AccessLog']} (store_id, user_id, customer_id, kind, at, ip_address, records) "
            f"VALUES (%s, %s, %s, %s, %s, %s, 1)",
            [store_id, user.pk, pk, "profile", adapt(timezone.now()), "127.0.0.1"],
        )
        sql.commit()

    def run():
        with transaction.atomic():
            access_record(user=user, store_id=store_id, customer_ids=[pk], kind="profile", ip="127.0.0.1")

    return Case(run=run, floor=[by_hand])


def _floor_due(ctx: Context, store: Store) -> list[int]:
    sql = raw(ctx)
    adapt = connection.ops.adapt_datetimefield_value
    now = timezone.now()
    since, media = adapt(_years_ago(now, 5)), adapt(_years_ago(now, 3))
    open_complaint = f"EXISTS (SELECT 1 FROM {T['Complaint']} k WHERE k.customer_id = {{ref}} AND k.status <> 'closed')"
    counts = [
        sql.rows(
            f"SELECT COUNT(*) FROM {T['Customer']} c WHERE c.store_id = %s AND c.merged_into_id IS NULL "
            f"AND (c.last_visit_at < %s OR (c.last_visit_at IS NULL AND c.created_at < %s)) "
            f"AND NOT EXISTS (SELECT 1 FROM {T['AnonymisedCustomer']} a WHERE a.customer_id = c.id) "
            f"AND NOT EXISTS (SELECT 1 FROM {T['RepairOrder']} o WHERE o.customer_id = c.id AND o.opened_at >= %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {T['Consent']} n WHERE n.customer_id = c.id AND n.recorded_at >= %s) "
            f"AND NOT EXISTS (SELECT 1 FROM {T['RightsRequest']} r WHERE r.customer_id = c.id "
            f"AND r.status IN ('received', 'identity_checked', 'in_progress')) "
            f"AND NOT {open_complaint.format(ref='c.id')}",
            [store.pk, since, since, since, since],
        )[0][0],
        sql.rows(
            f"SELECT COUNT(*) FROM {T['Photo']} p JOIN {T['RepairOrder']} o ON o.id = p.repair_order_id "
            f"WHERE o.store_id = %s AND o.opened_at < %s AND p.taken_at < %s "
            f"AND NOT {open_complaint.format(ref='o.customer_id')}",
            [store.pk, media, media],
        )[0][0],
        sql.rows(
            f"SELECT COUNT(*) FROM {T['RepairOrder']} o WHERE o.store_id = %s AND o.opened_at < %s "
            f"AND o.authorisation_signature <> '' AND NOT {open_complaint.format(ref='o.customer_id')}",
            [store.pk, media],
        )[0][0],
        sql.rows(
            f"SELECT COUNT(*) FROM {T['CheckIn']} ci JOIN {T['RepairOrder']} o ON o.id = ci.repair_order_id "
            f"WHERE o.store_id = %s AND o.opened_at < %s AND ci.customer_signature <> '' "
            f"AND NOT {open_complaint.format(ref='o.customer_id')}",
            [store.pk, media],
        )[0][0],
    ]
    return counts


@operation("nightly.privacy_retention_store", goal=NIGHTLY, kind="write")
def retention_store(ctx: Context) -> Case:
    """A dry run of one store's retention limits (rolled back) against the same counts by hand."""
    store = Store.objects.get(pk=ctx.users["manager"].store_ids(Perm.PRIVACY_MANAGE)[0])

    def run():
        with transaction.atomic():
            result = retention_run(store_id=store.pk, dry_run=True)
            transaction.set_rollback(True)
        return result

    def same():
        counts = run().counts
        app = [counts["inactive_customer"]["customers"], counts["media"]["photos"],
               counts["media"]["order_signatures"], counts["media"]["checkin_signatures"]]  # fmt: skip
        return app == _floor_due(ctx, store)

    return Case(run=run, floor=[lambda: _floor_due(ctx, store)], same_answer=same)
