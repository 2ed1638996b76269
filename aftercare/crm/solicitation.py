"""Solicitation (招揽, docs/DOMAIN.md §11.5): the seed's weekly timetable for the
vehicles due for periodic maintenance next month.

Week 1 (from the 1st): the list of next month's due vehicles (their forecast's due
day, §11.4). Week 2 (from the 8th): an invitation through the messaging door. Week 3
(from the 15th): a call task with the script for every listed vehicle not booked
yet, in the follow-up queue. The caller records the outcome; scrapped, moved and
sold archive the vehicle. Each step is idempotent (unique list rows, dedupe keys,
follow-up source keys), so the nightly run may repeat it."""

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.accounts.roles import Role
from aftercare.appointments.models import Appointment
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm, require
from aftercare.customers.models import Vehicle
from aftercare.ev.selectors import ScheduleCache, services_text
from aftercare.followups.choices import Kind as FollowUpKind
from aftercare.followups.services import followup_create
from aftercare.messaging.choices import Channel, Purpose
from aftercare.messaging.services import message_send, sending_batch, template_ensure

from .choices import ARCHIVING_OUTCOMES, DeclineReason, Outcome
from .models import SolicitationEntry, VehicleForecast
from .rules import booking_link

INVITE_DAY = 8
CALL_DAY = 15
TEMPLATE = "crm_solicitation"
INVITATION = (
    "{customer_name}您好，您的爱车{plate}预计{date}需要定期保养（{services}），{store}诚邀您预约，预约请点{link}"
)
SCRIPT = (
    "您好，我是{store}的客服。您的爱车{plate}预计{date}需要定期保养（{services}），"
    "请问本月哪天方便来店？提前预约可享优惠。"
)


def _month(day: date) -> date:
    return day.replace(day=1)


def solicitation_list(*, store: Store, month: date) -> int:
    """Week 1: every active vehicle of the store due in `month` joins its list (once)."""
    month = _month(month)
    end = month + relativedelta(months=1)
    due = VehicleForecast.objects.filter(
        store=store, due_on__gte=month, due_on__lt=end, vehicle__is_active=True
    ).values_list("vehicle_id", "vehicle__owner_id", "due_on", "basis")
    rows = [
        SolicitationEntry(store=store, month=month, vehicle_id=v, customer_id=c, due_on=d, basis=b)
        for v, c, d, b in due
    ]
    before = SolicitationEntry.objects.filter(store=store, month=month).count()
    SolicitationEntry.objects.bulk_create(rows, ignore_conflicts=True)
    return SolicitationEntry.objects.filter(store=store, month=month).count() - before


@sending_batch()
def solicitation_invite(*, store: Store, month: date, now=None) -> int:
    """Week 2: an invitation through the door for each listed vehicle not invited yet."""
    now = now or timezone.now()
    for channel in (Channel.SMS, Channel.WECHAT, Channel.EMAIL):
        template_ensure(group=store.group, code=TEMPLATE, channel=channel, text=INVITATION, purpose=Purpose.SERVICE,
                        name="定期保养邀请", subject="定期保养邀请")  # fmt: skip
    entries = SolicitationEntry.objects.filter(
        store=store, month=_month(month), invited_at__isnull=True, outcome=""
    ).select_related("vehicle", "customer")
    sent, schedules = 0, ScheduleCache()  # each powertrain's own schedule (docs/DOMAIN.md §17.1)
    for entry in entries:
        services = services_text(schedules.services_due(entry.vehicle, entry.vehicle.next_service_due()[1]))
        with transaction.atomic():
            message = message_send(
                store=store, customer=entry.customer, vehicle=entry.vehicle, purpose=Purpose.SERVICE,
                template_code=TEMPLATE, dedupe_key=f"solicit:{entry.vehicle_id}:{entry.month:%Y%m}", source=entry,
                context={"date": f"{entry.due_on:%Y-%m-%d}", "link": booking_link(entry.vehicle), "services": services},
            )  # fmt: skip
            entry.invited_at, entry.message_ref = now, f"{message.pk}:{message.state}"[:40]
            entry.save(update_fields=["invited_at", "message_ref"])
            sent += 1
    return sent


def solicitation_calls(*, store: Store, month: date, now=None) -> int:
    """Week 3: a call task with the script for each listed vehicle without an outcome
    and without an appointment booked since the list was made."""
    now = now or timezone.now()
    month = _month(month)
    booked = Appointment.objects.filter(store=store, start_at__gte=_at(month - relativedelta(months=1))).values(
        "vehicle_id"
    )
    entries = (
        SolicitationEntry.objects.filter(store=store, month=month, outcome="", task_id__isnull=True)
        .exclude(vehicle_id__in=booked)
        .select_related("vehicle", "customer")
    )
    made, schedules = 0, ScheduleCache()
    for entry in entries:
        services = services_text(schedules.services_due(entry.vehicle, entry.vehicle.next_service_due()[1]))
        script = SCRIPT.format(store=store.name, plate=entry.vehicle.plate, date=f"{entry.due_on:%Y-%m-%d}",
                               services=services)  # fmt: skip
        task = followup_create(
            store=store, customer=entry.customer, vehicle=entry.vehicle, kind=FollowUpKind.MAINTENANCE,
            source_key=f"crm:solicit:{entry.vehicle_id}:{month:%Y%m}", owner_role=Role.CUSTOMER_CARE,
            available_at=now, due_at=_at(month, time(18, 0)) - timedelta(days=1), note=script,
        )  # fmt: skip
        SolicitationEntry.objects.filter(pk=entry.pk).update(task_id=task.pk)
        made += 1
    return made


def _at(day: date, hour: time = time(9, 0)) -> datetime:
    return timezone.make_aware(datetime.combine(day, hour))


def solicitation_timetable(*, store: Store, today: date, now=None) -> dict:
    """The nightly step of the seed's timetable for next month's list: listed from the
    1st, invited from the 8th, called from the 15th (each step catches up a missed night)."""
    month = _month(today) + relativedelta(months=1)
    done = {"listed": solicitation_list(store=store, month=month)}
    if today.day >= INVITE_DAY:
        done["invited"] = solicitation_invite(store=store, month=month, now=now)
    if today.day >= CALL_DAY:
        done["called"] = solicitation_calls(store=store, month=month, now=now)
    return done


def solicitation_outcome(
    *, actor, entry: SolicitationEntry, outcome: str, reason: str = "", appointment=None, note: str = ""
) -> SolicitationEntry:
    """Record the call's outcome. Booked links the appointment (of this vehicle);
    declined needs a reason; scrapped, moved and sold archive the vehicle."""
    require(actor, Perm.FOLLOWUP_WORK, entry.store)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    if outcome == Outcome.DECLINED and reason not in DeclineReason.values:
        raise ValidationError({"decline_reason": _("Choose why the customer declined.")})
    if outcome == Outcome.BOOKED and (appointment is None or appointment.vehicle_id != entry.vehicle_id):
        raise ValidationError({"appointment": _("Choose this vehicle's appointment.")})
    with transaction.atomic():
        entry = SolicitationEntry.objects.select_for_update().get(pk=entry.pk)
        entry.outcome = outcome
        entry.decline_reason = reason if outcome == Outcome.DECLINED else ""
        entry.appointment_id = appointment.pk if outcome == Outcome.BOOKED else None
        entry.note = (note or "")[:200]
        entry.outcome_at, entry.outcome_by = timezone.now(), actor
        entry.save()
        if outcome in ARCHIVING_OUTCOMES:
            Vehicle.objects.filter(pk=entry.vehicle_id).update(is_active=False)
            audit_record(
                actor=actor, action=AuditEntry.Action.UPDATE, obj=entry.vehicle, reason=entry.get_outcome_display(),
                changes={"is_active": [True, False]},
            )  # fmt: skip
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=entry,
            changes={"outcome": ["", outcome], "decline_reason": ["", entry.decline_reason]},
        )  # fmt: skip
    return entry


def missed_reasons(*, user, months: int = 12, today=None) -> list[dict]:
    """定期保养未来店原因分析: per month, how many listed vehicles ended with each outcome
    and reason (the drill-down is the list filtered by month, outcome and reason)."""
    today = today or timezone.localdate()
    since = _month(today) - relativedelta(months=months - 1)
    rows = (
        SolicitationEntry.objects.for_user(user, Perm.REPORT_VIEW)
        .filter(month__gte=since)
        .values("month", "outcome", "decline_reason")
        .annotate(count=Count("pk"))
        .order_by("month", "outcome", "decline_reason")
    )
    return list(rows)
