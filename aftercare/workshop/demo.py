"""Demo workshop activity: today's authorised orders get their jobs dispatched
(through job_dispatch, so the high-voltage and bay rules hold); the orders meant
for final inspection or ready have every job clocked and finished, are inspected
(one fails first and goes back for rework), with photos; the other orders in
progress have a technician clocked on, and one technician reports a finding. So
the board, "My jobs" and the advisor's home show a working day whose figures
agree: no order at final inspection or ready with jobs not done."""

import random
import struct
import zlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from aftercare.accounts.models import User
from aftercare.accounts.roles import Role
from aftercare.catalog.models import Bay
from aftercare.core.models import Store
from aftercare.service.choices import LineKind, LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine
from aftercare.service.services import TransitionRefused, photo_add

from .choices import CheckResult, JobStatus
from .models import Job
from .services import (
    applicable_inspection_items,
    finding_report,
    job_clock_off,
    job_clock_on,
    job_dispatch,
    quality_check_record,
)

WORKSHOP_STATUSES = (Status.APPROVED, Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY)
REWORK_REASON = "右前轮螺栓扭矩未复查，路试时方向盘轻微抖动"
PASS_NOTE = "雨刮片轻微老化，已建议客户下次保养时更换"


def demo_png(rgb: tuple[int, int, int], width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG of one colour with a darker band (no imaging library needed)."""
    dark = bytes(max(0, c - 60) for c in rgb)
    rows = b"".join(
        b"\x00" + (dark if height // 3 <= y < height // 3 + 4 else bytes(rgb)) * width for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def _photo(actor, order: RepairOrder, name: str, caption: str, rgb) -> None:
    photo_add(actor=actor, order=order, image=ContentFile(demo_png(rgb), name=name), caption=caption)


def _dispatch(lines, foreman, technicians, bays) -> int:
    dispatched = 0
    for line in lines:
        order = line.repair_order
        ordered = sorted(technicians, key=lambda t: (not t.hv_certified, t.pk))
        technician = ordered[order.pk % len(ordered)] if not line.operation.high_voltage else ordered[0]
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
    return dispatched


def _finish_jobs(order: RepairOrder, statuses=(JobStatus.ASSIGNED, JobStatus.PAUSED, JobStatus.REWORK)) -> None:
    """Each technician clocks on and finishes their job; the last one moves the order to quality check."""
    for job in Job.objects.filter(repair_order=order, status__in=statuses).select_related("line", "technician"):
        job_clock_on(actor=job.technician, line=job.line)
        job_clock_off(actor=job.technician, line=job.line, finished=True)


def _inspect(order: RepairOrder, foreman, *, passed: bool, rework_lines=()) -> None:
    order = RepairOrder.objects.select_related("vehicle", "store").get(pk=order.pk)
    results = {item.code: CheckResult.OK for item in applicable_inspection_items(order)}
    quality_check_record(
        actor=foreman, order=order, results=results, passed=passed, road_test_required=True, road_test_done=True,
        reason=PASS_NOTE if passed else REWORK_REASON, rework_lines=rework_lines,
    )  # fmt: skip


def _complete(order_id: int, target: str, foreman, *, rework: bool) -> None:
    """Finish the order's jobs and inspect it: it ends at final inspection, or ready
    (after a failed inspection and its rework when `rework`)."""
    order = RepairOrder.objects.get(pk=order_id)
    _finish_jobs(order)
    order.refresh_from_db()
    if order.status != Status.QUALITY_CHECK:
        return  # e.g. additional work still waiting for the customer
    _photo(foreman, order, "final-inspection.png", "完工检查：外观及工位清洁确认", (70, 130, 180))
    if target != Status.READY:
        return
    if rework:
        first = Job.objects.filter(repair_order=order).select_related("line").order_by("line__position", "id").first()
        _inspect(order, foreman, passed=False, rework_lines=[first.line])
        _photo(foreman, order, "rework-before.png", "返修前：右前轮螺栓", (178, 34, 34))
        _finish_jobs(order, statuses=(JobStatus.REWORK,))
        order.refresh_from_db()
        _photo(foreman, order, "rework-after.png", "返修后：扭矩复查合格", (46, 139, 87))
    try:
        _inspect(order, foreman, passed=True)
    except (ValidationError, TransitionRefused):
        return


def seed_workshop(store: Store, rng: random.Random, finish: dict[int, str] | None = None) -> int:
    """Dispatch every approved labour line of today's open orders; finish and inspect
    the orders in `finish` ({order id: final inspection or ready}); clock on the
    other orders in progress. Returns the number of jobs dispatched."""
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
    dispatched = _dispatch(lines, foreman, staff[Role.TECHNICIAN], bays)
    finish = {pk: target for pk, target in (finish or {}).items() if target in (Status.QUALITY_CHECK, Status.READY)}
    ready = [pk for pk, target in sorted(finish.items()) if target == Status.READY]
    for order_id, target in sorted(finish.items()):
        _complete(order_id, target, foreman, rework=bool(ready) and order_id == ready[0])
    clocked = set()
    working = (
        Job.objects.filter(store=store, repair_order__status=Status.IN_PROGRESS, status=JobStatus.ASSIGNED)
        .exclude(repair_order_id__in=list(finish))
        .select_related("line", "technician")
        .order_by("repair_order_id", "line__position")
    )
    lead_advisor = User.objects.filter(memberships__store=store, memberships__role=Role.ADVISOR).order_by("id").first()
    reported = False
    for job in working.select_related("repair_order"):
        if job.repair_order_id in clocked:
            continue
        job_clock_on(actor=job.technician, line=job.line)
        clocked.add(job.repair_order_id)
        if not reported and job.repair_order.advisor_id == getattr(lead_advisor, "pk", None):
            # Additional work found under the car: it waits for the advisor (追加项目).
            finding_report(actor=job.technician, line=job.line, description="下摆臂球头胶套破裂，建议更换")
            reported = True
    if not reported and clocked:
        job = working.filter(repair_order_id__in=clocked).select_related("line", "technician").first()
        finding_report(actor=job.technician, line=job.line, description="下摆臂球头胶套破裂，建议更换")
    return dispatched
