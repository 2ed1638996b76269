# ruff: noqa: S608
# SQL is assembled from table and column names (Model._meta) and placeholders;
# every value is a bound parameter.
"""The customer's phone: the progress page a link opens (docs/DOMAIN.md §15.2), with no
login. Floor: the do-nothing page plus the same rows by hand (the link by its token's
hash with its store and customer, the use counted, the columns shown of the order, its
vehicle and advisor with what is still to pay, its status history)."""

from django.db import connection
from django.test import Client
from django.utils import timezone

from aftercare.billing.models import Payment, ProviderTransaction
from aftercare.portal.choices import Purpose
from aftercare.portal.models import PortalLink
from aftercare.portal.services import link_issue, link_path, token_hash
from aftercare.service.models import RepairOrder

from ..harness import PAGE, Case, Context, operation
from .customers import _ok, raw
from .service import T, samples

P = PortalLink._meta.db_table
PAY = Payment._meta.db_table
TXN = ProviderTransaction._meta.db_table


@operation("page.portal_progress", goal=PAGE, kind="page")
def portal_progress(ctx: Context) -> Case:
    s, sql = samples(ctx), raw(ctx)
    order = RepairOrder.objects.select_related("customer__store").get(pk=s["order_id"])
    _link, token = link_issue(
        actor=None, customer=order.customer, purpose=Purpose.PROGRESS, repair_order=order, valid_days=365
    )
    phone = Client()
    path = link_path(token)
    digest = token_hash(token)
    adapt_dt = connection.ops.adapt_datetimefield_value

    def rows():
        link = sql.rows(
            f"SELECT l.*, s.*, c.*, ro.* FROM {P} l JOIN {T['Store']} s ON s.id = l.store_id "
            f"JOIN {T['Customer']} c ON c.id = l.customer_id "
            f"LEFT JOIN {T['RepairOrder']} ro ON ro.id = l.repair_order_id "
            f"WHERE l.token_hash = %s",
            [digest],
        )
        # The use is counted in its own committed write, as the page's UPDATE is.
        sql.begin()
        sql.execute(
            f"UPDATE {P} SET last_used_at = %s, uses = uses + 1 WHERE id = %s", [adapt_dt(timezone.now()), link[0][0]]
        )
        sql.commit()
        # The columns the page shows of the order, its car and its advisor.
        sql.rows(
            f"SELECT ro.id, ro.number, ro.status, ro.store_id, ro.customer_id, ro.promised_at, ro.customer_total, "
            f"v.id, v.plate, v.vin, a.id, a.username, a.first_name, a.last_name "
            f"FROM {T['RepairOrder']} ro JOIN {T['Vehicle']} v ON v.id = ro.vehicle_id "
            f"LEFT JOIN {T['User']} a ON a.id = ro.advisor_id WHERE ro.id = %s AND ro.customer_id = %s",
            [order.pk, order.customer_id],
        )
        # What is still to pay (docs/DOMAIN.md §21.6): its money records, the charges still
        # waiting and the newest charge, in one statement (the order's amount is final).
        sql.rows(
            f"SELECT (SELECT SUM(p.amount) FROM {PAY} p WHERE p.repair_order_id = %s), "
            f"(SELECT SUM(t.amount) FROM {TXN} t WHERE t.repair_order_id = %s AND t.kind = 'charge' "
            f"AND t.status IN ('created', 'paying')), (SELECT MAX(t.id) FROM {TXN} t WHERE t.repair_order_id = %s)",
            [order.pk, order.pk, order.pk],
        )
        sql.rows(
            f"SELECT id, repair_order_id, to_status, changed_at FROM {T['StatusChange']} "
            f"WHERE repair_order_id = %s ORDER BY changed_at, id",
            [order.pk],
        )

    return Case(
        run=lambda: _ok(phone.get(path)),
        floor=[lambda: _ok(phone.get("/bench/noop/")), rows],
    )
