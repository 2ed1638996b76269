"""Demo requests at the rights desk (docs/DOMAIN.md §16.5-§16.7): a handled export, an
erasure, a consent withdrawal and a pending request near its deadline, made through
the services like a service manager would; a few looks in the access log and a
dry-run retention report waiting for the manager's approval."""

import random
from datetime import datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from aftercare.accounts.roles import Role
from aftercare.complaints.models import Complaint
from aftercare.core.models import Store
from aftercare.customers.models import Customer

from . import services
from .access import access_record
from .choices import AccessKind, RequestKind
from .retention import retention_run
from .workdays import add_working_days


def _received_for_due_in(today, working_days_left: int, limit: int) -> datetime:
    """A receipt time whose deadline falls `working_days_left` working days from today."""
    target = add_working_days(today, working_days_left)
    day = today
    while add_working_days(day, limit) > target:
        day -= timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time(10, 30)))


def seed_privacy(store: Store, rng: random.Random, today) -> int:
    """Returns the number of requests made."""
    membership = store.memberships.filter(role=Role.SERVICE_MANAGER, is_active=True).select_related("user").first()
    if membership is None:
        return 0
    manager = membership.user
    customers = (
        Customer.objects.filter(store=store, merged_into__isnull=True, kind="person")
        .exclude(Exists(Complaint.objects.filter(customer_id=OuterRef("pk"))))
        .annotate(orders=Count("repair_orders"))
        .order_by("-orders", "id")
    )
    picked = list(customers[:4])
    if len(picked) < 4:
        return 0
    exported, erased, withdrawn, pending = picked
    limit = services.store_settings(store).response_working_days

    def started(customer, kind, channel, details):
        request = services.request_create(
            actor=manager, store=store, customer=customer, kind=kind, channel=channel, details=details,
            received_at=timezone.now() - timedelta(days=6),
        )  # fmt: skip
        services.request_check_identity(actor=manager, request=request, identity_check="id_card", note="身份证已核对")
        return services.request_start(actor=manager, request=request)

    request = started(exported, RequestKind.EXPORT, "counter", "客户要求复制本人在店内的全部个人信息。")
    services.request_prepare_export(actor=manager, request=request)
    access_record(user=manager, store_id=store.pk, customer_ids=[exported.pk], kind=AccessKind.RIGHTS_EXPORT)
    reply = "您的个人信息已导出，请在 7 天内通过短信中的链接下载。"
    services.request_close(actor=manager, request=request, reply=reply)

    request = started(erased, RequestKind.ERASURE, "letter", "客户来信要求删除个人信息。")
    services.request_erase(actor=manager, request=request)
    kept = "、".join(k["title"] for k in request.outcome.get("kept", [])) or "无"
    services.request_close(actor=manager, request=request,
                           reply=f"您的个人信息已删除。依法需保存的记录（{kept}）已匿名化保存。")  # fmt: skip

    request = started(withdrawn, RequestKind.WITHDRAWAL, "phone", "客户来电：不再接收营销短信和微信。")
    services.request_withdraw(actor=manager, request=request, purposes=["marketing_sms", "marketing_wechat"],
                              via="phone")  # fmt: skip
    services.request_close(actor=manager, request=request, reply="已撤回营销短信和微信的同意，立即生效。")

    request = services.request_create(
        actor=manager, store=store, customer=pending, kind=RequestKind.EXPORT, channel="wechat",
        details="客户在微信中要求查阅本人的保养记录和消费记录。", received_at=_received_for_due_in(today, 2, limit),
    )  # fmt: skip
    services.request_check_identity(actor=manager, request=request, identity_check="mobile_code")

    # A few looks at profiles for the access log's screens.
    advisor = store.memberships.filter(role=Role.ADVISOR).select_related("user").first()
    if advisor is not None:
        ids = list(Customer.objects.filter(store=store).values_list("pk", flat=True)[:12])
        for pk in ids:
            access_record(user=advisor.user, store_id=store.pk, customer_ids=[pk], kind=AccessKind.PROFILE,
                          ip=f"192.168.1.{rng.randint(20, 80)}")  # fmt: skip
    retention_run(store_id=store.pk, dry_run=True)
    return 4
