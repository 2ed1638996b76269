"""Demo workshop activity: today's authorised orders get their jobs dispatched
(through job_dispatch, so the high-voltage and bay rules hold) and the orders
in progress have a technician clocked on, so the board and "My jobs" show a
working day."""

import random

from django.core.exceptions import ValidationError

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.catalog.models import Bay
from aftercare.core.models import Store
from aftercare.service.choices import LineKind, LineStatus, Status
from aftercare.service.models import RepairOrderLine

from .services import job_clock_on, job_dispatch

WORKSHOP_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY)


def seed_workshop(store: Store, rng: random.Random) -> int:
    """Dispatch every approved labour line of today's open orders; clock on the
    orders in progress. Returns the number of jobs dispatched."""
    staff = {
        role: list(User.objects.filter(memberships__store=store, memberships__role=role))
        for role in (Role.FOREMAN, Role.TECHNICIAN)
    }
    if not staff[Role.FOREMAN] or not staff[Role.TECHNICIAN]:
        return 0
    foreman = staff[Role.FOREMAN][0]
    bays = list(Bay.objects.filter(store=store, is_active=True).order_by("code"))
    lines = (
        RepairOrderLine.objects.filter(
            repair_order__store=store,
            repair_order__status__in=WORKSHOP_STATUSES,
            kind=LineKind.LABOUR,
            status=LineStatus.APPROVED,
            technician__isnull=True,
        )
        .select_related("repair_order", "repair_order__vehicle", "operation")
        .order_by("repair_order_id", "position")
    )
    dispatched, clocked = 0, set()
    for line in lines:
        order = line.repair_order
        technicians = sorted(staff[Role.TECHNICIAN], key=lambda t: (not t.hv_certified, t.pk))
        technician = technicians[order.pk % len(technicians)] if not line.operation.high_voltage else technicians[0]
        # Any bay the rules accept: job_dispatch refuses the ones that lack a capability.
        for bay in [bays[order.pk % len(bays)], *bays]:
            try:
                job_dispatch(
                    actor=foreman, line=line, technician=technician, bay=bay, required_finish_at=order.promised_at
                )
            except ValidationError:
                continue
            dispatched += 1
            break
        line.refresh_from_db()
        if order.status == Status.IN_PROGRESS and order.pk not in clocked and line.technician_id:
            job_clock_on(actor=line.technician, line=line)
            clocked.add(order.pk)
    return dispatched
