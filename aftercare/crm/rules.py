"""The retention rules (docs/DOMAIN.md §11.2): each night, for every rule switched
on, the customers (and vehicles) due today are read by a bounded query (a date
window on an indexed column, or the stage and tier changes of the segment run),
and each is fired once: a Firing row unique on (rule, customer, period key) is
inserted first, in a savepoint, so a second run or a second worker finds it and
does nothing. The actions go through the doors: messages through messaging's
`message_send` (consent, quiet hours and duplicates are decided there), call
tasks through followups' `followup_create`, coupons through loyalty's `coupon_issue`.

The churn-warning and holiday-care *calls* stay with followups' nightly
generation (docs/DOMAIN.md §7): the churn and holiday rules here send the message
only, so a customer never gets two calls for one cause."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftercare.accounts.roles import Role
from aftercare.core.models import Store
from aftercare.customers.models import Customer, Vehicle
from aftercare.followups.choices import Kind as FollowUpKind
from aftercare.followups.holidays import HOLIDAY_NAMES, holidays_in_care_window
from aftercare.followups.services import followup_create
from aftercare.loyalty.choices import CouponKind, IssuedVia
from aftercare.loyalty.models import CouponTemplate
from aftercare.loyalty.services import coupon_issue
from aftercare.messaging.choices import Channel, Purpose
from aftercare.messaging.services import contact_check, message_send, sending_batch, template_ensure
from aftercare.service.choices import Status
from aftercare.service.models import RepairOrder

from .choices import FiringState, LostReason, Stage, Tier, Trigger
from .models import CustomerProfile, Firing, RetentionRule

CALL_HOUR = time(9, 0)
# A stage or tier change this recent still fires its rule (a night missed is caught up).
CHANGE_WINDOW_DAYS = 7
ANNIVERSARY_YEARS = 10


@dataclass(frozen=True)
class Default:
    days: int
    purpose: str
    text: str
    send_message: bool = True
    create_task: bool = False
    coupon: str = ""


# The coupons the rules offer (group defaults, docs/DOMAIN.md §11.2): name → (kind, value, valid days, service code).
COUPONS = {
    "新客户九折券": (CouponKind.PERCENT, Decimal("10"), 92, ""),
    "生日50元维修券": (CouponKind.AMOUNT, Decimal("50"), 30, ""),
    "周年免费四轮定位": (CouponKind.FREE_SERVICE, Decimal("0"), 30, "alignment"),
    "回厂保养八折券": (CouponKind.PERCENT, Decimal("20"), 31, ""),
}
PRICE_COUPON = "回厂保养八折券"

# SPEC §6.2's timetable: the default rule of each trigger (texts are the message templates, zh).
DEFAULTS = {
    Trigger.WELCOME: Default(
        1,
        Purpose.SERVICE,
        "{customer_name}您好，欢迎成为{store}的客户！您的专属顾问{advisor}，电话{advisor_phone}。保养提醒、救援电话{rescue_phone}。",
    ),
    Trigger.NEW_COUPON: Default(
        1, Purpose.MARKETING, "{customer_name}您好，送您一张新客户九折券，3个月内下次来店可用。", coupon="新客户九折券"
    ),
    Trigger.MAINTENANCE_DUE: Default(
        7,
        Purpose.SERVICE,
        "{customer_name}您好，您的爱车{plate}预计{date}需要保养（{basis}）：{services}。预约请点{link}",
    ),
    Trigger.INSURANCE_DUE: Default(
        7, Purpose.SERVICE, "{customer_name}您好，您的爱车{plate}的保险将于{date}到期，续保或预约请点{link}"
    ),
    Trigger.INSPECTION_DUE: Default(
        7, Purpose.SERVICE, "{customer_name}您好，您的爱车{plate}的年检将于{date}到期，预约检测请点{link}"
    ),
    Trigger.HOLIDAY: Default(
        7,
        Purpose.MARKETING,
        "{customer_name}您好，{holiday}将至，{store}祝您节日快乐！出行如需救援请拨{rescue_phone}。",
    ),
    Trigger.BIRTHDAY: Default(
        0, Purpose.MARKETING, "{customer_name}您好，{store}祝您生日快乐！送您一张50元维修券。", coupon="生日50元维修券"
    ),
    Trigger.ANNIVERSARY: Default(
        0,
        Purpose.MARKETING,
        "{customer_name}您好，感谢您{years}年来的信任！送您一次免费四轮定位。",
        coupon="周年免费四轮定位",
    ),
    Trigger.HIGH_VALUE: Default(
        CHANGE_WINDOW_DAYS,
        Purpose.MARKETING,
        "{customer_name}您好，您已成为{store}的尊享客户：专属顾问、优先接待、免费取送车。",
        create_task=True,
    ),
    Trigger.CHURN: Default(
        CHANGE_WINDOW_DAYS,
        Purpose.MARKETING,
        "{customer_name}您好，好久不见，{store}提醒您爱车该检查了，预约请点{link}",
    ),
    Trigger.LOST: Default(CHANGE_WINDOW_DAYS, Purpose.MARKETING, "{customer_name}您好，{offer}", create_task=True),
}

LOST_OFFERS = {
    LostReason.QUALITY: gettext_lazy("We apologise for your last visit: we will put it right free of charge."),
    LostReason.PRICE: gettext_lazy("A 20% maintenance coupon, valid for one month, is waiting for you."),
    LostReason.CONVENIENCE: gettext_lazy("We can pick your car up and bring it back for you."),
}


def template_code(trigger: str) -> str:
    return f"crm_{trigger}"


def rules_ensure(store: Store) -> list[RetentionRule]:
    """The store's rules, created with the defaults the first time, with their message
    templates (group defaults) and coupons."""
    have = {rule.trigger: rule for rule in RetentionRule.objects.filter(store=store)}
    missing = [
        RetentionRule(
            store=store, trigger=trigger, days=d.days, send_message=d.send_message, create_task=d.create_task,
            coupon_name=d.coupon, script=d.text,
        )
        for trigger, d in DEFAULTS.items()
        if trigger not in have
    ]  # fmt: skip
    if missing:
        RetentionRule.objects.bulk_create(missing, ignore_conflicts=True)
        for trigger, d in DEFAULTS.items():
            for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
                template_ensure(
                    group=store.group, code=template_code(trigger), channel=channel, text=d.text, purpose=d.purpose,
                    name=str(Trigger(trigger).label), subject=str(Trigger(trigger).label),
                )  # fmt: skip
        for name, (kind, value, days, code) in COUPONS.items():
            CouponTemplate.objects.get_or_create(
                group=store.group, name=name,
                defaults={"kind": kind, "value": value, "valid_days": days, "service_code": code},
            )  # fmt: skip
    return list(RetentionRule.objects.filter(store=store).order_by("pk"))


def booking_link(vehicle) -> str:
    """The portal's booking link for a vehicle (docs/DOMAIN.md §11.2)."""
    base = getattr(settings, "PORTAL_BASE_URL", "")
    return f"{base}/p/book/{vehicle.pk}/" if vehicle is not None else f"{base}/p/book/"


@dataclass
class Due:
    customer: Customer
    vehicle: Vehicle | None
    period_key: str
    reason: str
    context: dict


# --- who is due, per trigger: bounded reads ------------------------------------------------------


def _at(day: date, hour: time = CALL_HOUR) -> datetime:
    return timezone.make_aware(datetime.combine(day, hour))


def _customers(store):
    return Customer.objects.filter(store=store, merged_into__isnull=True).select_related("assigned_advisor")


def _first_deliveries(store, rule, now):
    """Orders delivered in the rule's window that are their customer's first delivered order."""
    since = now - timedelta(days=max(rule.days, 1))
    earlier = RepairOrder.objects.filter(
        customer_id=OuterRef("customer_id"), status=Status.DELIVERED, closed_at__lt=OuterRef("closed_at")
    )
    return (
        RepairOrder.objects.filter(
            store=store, status=Status.DELIVERED, opened_at__gte=since - timedelta(days=60), closed_at__gte=since,
            closed_at__lte=now,
        )
        .exclude(Exists(earlier))
        .select_related("customer", "vehicle", "advisor")
    )  # fmt: skip


def due_welcome(store, rule, now):
    for order in _first_deliveries(store, rule, now):
        yield Due(
            order.customer, order.vehicle, "once", _("First service delivered %(day)s")
            % {"day": f"{timezone.localdate(order.closed_at):%Y-%m-%d}"},
            {"advisor": str(order.advisor), "advisor_phone": store.phone, "rescue_phone": store.rescue_phone},
        )  # fmt: skip


def due_new_coupon(store, rule, now):
    for order in _first_deliveries(store, rule, now):
        yield Due(order.customer, None, "once", _("New customer"), {})


def vehicles_date_due(store, days: int, today: date, column: str):
    """Active vehicles of the store whose `column` (insurance expiry, inspection due) falls
    within `days` from today: a range on the partial index vehicle_insurance_due /
    vehicle_inspection_due (store, date), whatever the size of the store."""
    return Vehicle.objects.filter(
        store=store, is_active=True, **{f"{column}__gte": today, f"{column}__lte": today + timedelta(days=days)}
    ).select_related("owner")


def _vehicle_date_due(store, rule, now, column: str, label: str):
    today = timezone.localdate(now)
    for vehicle in vehicles_date_due(store, rule.days, today, column):
        day = getattr(vehicle, column)
        yield Due(
            vehicle.owner, vehicle, f"v{vehicle.pk}:{day:%Y%m%d}", f"{label} {day:%Y-%m-%d}",
            {"date": f"{day:%Y-%m-%d}", "link": booking_link(vehicle)},
        )  # fmt: skip


def due_insurance(store, rule, now):
    return _vehicle_date_due(store, rule, now, "insurance_expiry", _("Insurance expires"))


def due_inspection(store, rule, now):
    return _vehicle_date_due(store, rule, now, "inspection_due", _("Annual inspection due"))


def due_maintenance(store, rule, now):
    """Vehicles whose maintenance falls due within the rule's days: the earlier of the
    calendar date and the date projected from the car's own mileage (docs/DOMAIN.md §11.4)."""
    from aftercare.ev.selectors import ScheduleCache, services_text

    from .mileage import maintenance_due_vehicles

    schedules = ScheduleCache()  # each powertrain's own schedule (docs/DOMAIN.md §17.1)
    for vehicle, due in maintenance_due_vehicles(store=store, start=timezone.localdate(now), days=rule.days):
        cycle = f"{vehicle.last_service_at:%Y%m%d}" if vehicle.last_service_at else "none"
        services = services_text(schedules.services_due(vehicle, due.due_km))
        yield Due(
            vehicle.owner, vehicle, f"v{vehicle.pk}:{cycle}",
            f"{_('Maintenance due')} {due.day:%Y-%m-%d} ({due.basis}) {services}",
            {"date": f"{due.day:%Y-%m-%d}", "basis": due.basis, "link": booking_link(vehicle), "services": services},
        )  # fmt: skip


def due_holiday(store, rule, now):
    today = timezone.localdate(now)
    for code, day in holidays_in_care_window(today, rule.days):
        since = _at(day) - relativedelta(months=12)
        for customer in _customers(store).filter(last_visit_at__gte=since):
            yield Due(
                customer, None, f"{day:%Y%m%d}", f"{HOLIDAY_NAMES[code]} {day:%Y-%m-%d}",
                {"holiday": str(HOLIDAY_NAMES[code]), "rescue_phone": store.rescue_phone or store.phone},
            )  # fmt: skip


def birthdays_on(store, today: date):
    """The store's customers whose birthday is today (29 February: the 28th in a common
    year): equality on the expression index customer_birthday (store, month, day)."""
    days = [today]
    if today.month == 2 and today.day == 28 and (today + timedelta(days=1)).month == 3:
        days.append(date(2000, 2, 29))  # born on 29 February: greeted on the 28th in a common year
    match = Q()
    for day in days:
        match |= Q(birthday__month=day.month, birthday__day=day.day)
    return _customers(store).filter(match, birthday__isnull=False)


def due_birthday(store, rule, now):
    today = timezone.localdate(now)
    for customer in birthdays_on(store, today):
        yield Due(customer, None, f"{today.year}", _("Birthday"), {})


def due_anniversary(store, rule, now):
    today = timezone.localdate(now)
    match = Q()
    for years in range(1, ANNIVERSARY_YEARS + 1):
        day = today - relativedelta(years=years)
        match |= Q(first_visit_at__gte=_at(day, time.min), first_visit_at__lt=_at(day + timedelta(days=1), time.min))
    for profile in CustomerProfile.objects.filter(match, store=store).select_related("customer"):
        years = relativedelta(today, timezone.localdate(profile.first_visit_at)).years
        yield Due(
            profile.customer, None, f"{today.year}", _("%(years)s years since the first visit") % {"years": years},
            {"years": years},
        )  # fmt: skip


def _not_fired(profiles, rule, since: str):
    """The profiles `rule` has not fired for since their stage or tier began. A change stays
    due for the rule's days; without this, every night would read each one again (the lost
    reason is several queries a customer) only for the firing to be skipped."""
    fired = Firing.objects.filter(rule=rule, customer_id=OuterRef("customer_id"), fired_at__gte=OuterRef(since))
    return profiles.filter(~Exists(fired))


def due_high_value(store, rule, now):
    since = now - timedelta(days=rule.days or CHANGE_WINDOW_DAYS)
    rows = CustomerProfile.objects.filter(store=store, tier=Tier.HIGH, tier_since__gte=since)
    for p in _not_fired(rows, rule, "tier_since").select_related("customer"):
        yield Due(p.customer, None, f"{p.tier_since:%Y%m%d}", _("High value since %(day)s")
                  % {"day": f"{timezone.localdate(p.tier_since):%Y-%m-%d}"}, {})  # fmt: skip


def due_churn(store, rule, now):
    since = now - timedelta(days=rule.days or CHANGE_WINDOW_DAYS)
    rows = CustomerProfile.objects.filter(store=store, stage=Stage.AT_RISK, stage_since__gte=since)
    for p in _not_fired(rows, rule, "stage_since").select_related("customer"):
        yield Due(p.customer, None, f"{p.stage_since:%Y%m%d}", _("No visit for more than 3 months"),
                  {"link": booking_link(None)})  # fmt: skip


def due_lost(store, rule, now):
    from .selectors import lost_reason

    since = now - timedelta(days=rule.days or CHANGE_WINDOW_DAYS)
    rows = CustomerProfile.objects.filter(store=store, stage=Stage.LOST, stage_since__gte=since)
    for p in _not_fired(rows, rule, "stage_since").select_related("customer"):
        reason, why = lost_reason(p.customer, now=now)
        yield Due(p.customer, None, f"{p.stage_since:%Y%m%d}", why[:200],
                  {"lost_reason": reason, "offer": str(LOST_OFFERS[reason])})  # fmt: skip


DUE = {
    Trigger.WELCOME: due_welcome,
    Trigger.NEW_COUPON: due_new_coupon,
    Trigger.MAINTENANCE_DUE: due_maintenance,
    Trigger.INSURANCE_DUE: due_insurance,
    Trigger.INSPECTION_DUE: due_inspection,
    Trigger.HOLIDAY: due_holiday,
    Trigger.BIRTHDAY: due_birthday,
    Trigger.ANNIVERSARY: due_anniversary,
    Trigger.HIGH_VALUE: due_high_value,
    Trigger.CHURN: due_churn,
    Trigger.LOST: due_lost,
}

# The follow-up type of a rule's call task (the closest of followups' types).
TASK_KIND = {
    Trigger.MAINTENANCE_DUE: FollowUpKind.MAINTENANCE,
    Trigger.INSURANCE_DUE: FollowUpKind.MAINTENANCE,
    Trigger.INSPECTION_DUE: FollowUpKind.MAINTENANCE,
    Trigger.HOLIDAY: FollowUpKind.HOLIDAY,
}


# --- firing ----------------------------------------------------------------------------------------


def send(*, store, customer, vehicle, purpose, trigger, context, dedupe_key, source):
    """The one place the engine sends a message: through messaging's door."""
    return message_send(
        store=store, customer=customer, vehicle=vehicle, purpose=purpose, template_code=template_code(trigger),
        context=context, dedupe_key=dedupe_key, source=source,
    )  # fmt: skip


def fire(*, rule: RetentionRule, due: Due, now) -> Firing | None:
    """Fire `rule` for one due customer, once: None when this period already fired."""
    store = rule.store
    default = DEFAULTS[rule.trigger]
    key = f"{rule.trigger}:{due.customer.pk}:{due.period_key}"
    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint: the loser of a race skips, the caller's transaction lives
                firing = Firing.objects.create(
                    store=store, rule=rule, customer=due.customer, vehicle=due.vehicle, period_key=due.period_key,
                    reason=due.reason[:200], fired_at=now,
                )  # fmt: skip
        except IntegrityError:
            return None
        if rule.trigger == Trigger.LOST:
            # Announced once per firing, whatever the message's consent (docs/DOMAIN.md §25.5).
            from .signals import customer_lost

            lost = {"customer_id": due.customer.pk, "store_id": store.pk, "reason": due.context.get("lost_reason", "")}
            transaction.on_commit(lambda: customer_lost.send(sender=RetentionRule, **lost))
        decision = contact_check(customer=due.customer, purpose=default.purpose)
        if not decision.allowed:
            firing.state = FiringState.REFUSED
            firing.reason = f"{firing.reason} · {decision.reason}"[:200]
            firing.save(update_fields=["state", "reason"])
            return firing
        context = {"store": store.name, "rescue_phone": store.rescue_phone or store.phone, **due.context}
        coupon_name = rule.coupon_name
        if rule.trigger == Trigger.LOST:
            coupon_name = PRICE_COUPON if due.context.get("lost_reason") == LostReason.PRICE else ""
        if coupon_name:
            template = CouponTemplate.objects.filter(group=store.group, name=coupon_name, active=True).first()
            if template is not None:
                coupon = coupon_issue(
                    actor=None, template=template, customer=due.customer, via=IssuedVia.RULE,
                    source=f"crm:{rule.trigger}", idempotency_key=key,
                )  # fmt: skip
                firing.coupon_id = coupon.pk
                context["coupon"] = coupon.code
        if rule.send_message:
            message = send(
                store=store, customer=due.customer, vehicle=due.vehicle, purpose=default.purpose,
                trigger=rule.trigger, context=context, dedupe_key=key, source=firing,
            )  # fmt: skip
            firing.message_ref = f"{message.pk}:{message.state}"[:40]
        wants_task = rule.create_task or (
            rule.trigger == Trigger.LOST and due.context.get("lost_reason") != LostReason.PRICE
        )
        if wants_task and _may_call(due.customer, default.purpose):
            task = followup_create(
                store=store, customer=due.customer, vehicle=due.vehicle,
                kind=TASK_KIND.get(rule.trigger, FollowUpKind.CHURN), source_key=f"crm:{key}"[:80],
                owner_role=Role.CUSTOMER_CARE, available_at=now, due_at=now + timedelta(days=3),
                note=f"{rule.get_trigger_display()}: {due.reason}"[:500],
            )  # fmt: skip
            firing.task_id = task.pk
        firing.save(update_fields=["coupon_id", "message_ref", "task_id"])
    return firing


def _may_call(customer, purpose) -> bool:
    return contact_check(customer=customer, purpose=purpose, channel=Channel.PHONE).allowed


@sending_batch()
def rules_run(*, store: Store, now=None, triggers=None) -> int:
    """Fire every rule of the store that is switched on, for the customers due now.
    Returns the number of new firings."""
    now = now or timezone.now()
    fired = 0
    for rule in rules_ensure(store):
        if not rule.enabled or (triggers is not None and rule.trigger not in triggers):
            continue
        rule.store = store
        dues = list(DUE[rule.trigger](store, rule, now))
        # One read of the periods already fired for these customers: a rerun tries no insert.
        done = set(
            Firing.objects.filter(
                rule=rule, customer_id__in={d.customer.pk for d in dues}, period_key__in={d.period_key for d in dues}
            ).values_list("customer_id", "period_key")
        )
        for due in dues:
            if (due.customer.pk, due.period_key) in done:
                continue
            if fire(rule=rule, due=due, now=now) is not None:
                fired += 1
    return fired


def rules_run_all(*, now=None) -> int:
    return sum(rules_run(store=store, now=now) for store in Store.objects.filter(is_active=True))
