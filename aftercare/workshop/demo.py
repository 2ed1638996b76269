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


# --- site work (docs/DOMAIN.md §17.9) --------------------------------------------------------------

HOME_ADDRESS = "广州市天河区珠江新城花城大道18号 地下车库B1-066"
WALLBOX_ADDRESS = "广州市番禺区南村镇万博二路79号 万科欧泊小区12栋 地库B2-117"


def _signature_png() -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(demo_png((20, 20, 20), 120, 40)).decode()


def seed_site_work(store: Store) -> list[RepairOrder]:
    """A home service in progress and a wall-box installation done and accepted, on two of the
    store's plug-in cars, through the one order's moves: site visit, survey with photos, kit
    ticked at departure, dispatch to a high-voltage certified technician, signed acceptance,
    inspection. Plus tomorrow's home-service booking. Returns the two orders."""
    from datetime import timedelta

    from django.utils import timezone

    from aftercare.appointments.choices import Channel
    from aftercare.appointments.services import appointment_book
    from aftercare.catalog.models import LabourOperation, Van
    from aftercare.customers.models import Vehicle
    from aftercare.service import services as spine

    def user(role):
        return User.objects.filter(memberships__store=store, memberships__role=role).order_by("id").first()

    advisor, foreman = user(Role.ADVISOR), user(Role.FOREMAN)
    technicians = list(User.objects.filter(memberships__store=store, memberships__role=Role.TECHNICIAN).order_by("id"))
    vans = list(Van.objects.filter(store=store, is_active=True).order_by("code"))
    evs = list(
        Vehicle.objects.filter(store=store, is_active=True, powertrain__in=("BEV", "PHEV"))
        .exclude(repair_orders__status__in=WORKSHOP_STATUSES)
        .select_related("owner")
        .order_by("id")[:2]
    )
    if not (advisor and foreman and technicians and len(vans) >= 2 and len(evs) == 2):
        return []
    certified = next((t for t in technicians if t.hv_certified), None)
    if certified is None:  # the demo's random draw gave the store no certificate holder: the lead gets one
        certified = technicians[0]
        certified.hv_certified = True
        certified.save(update_fields=["hv_certified"])
    operations = {op.code: op for op in LabourOperation.objects.effective_for_store(store).active()}
    now = timezone.now()

    def open_order(vehicle, kind, address, codes, van, statement):
        order = spine.repair_order_open(
            actor=advisor, store=store, vehicle=vehicle, customer_statement=statement,
            odometer_km=vehicle.odometer_km or None, promised_at=now + timedelta(hours=5),
        )  # fmt: skip
        spine.site_visit_set(
            actor=advisor, order=order, kind=kind, address=address, window_start=now + timedelta(minutes=40),
            window_end=now + timedelta(minutes=100), travel_minutes=40, van=van,
        )  # fmt: skip
        for code in codes:
            spine.line_add(actor=advisor, order=order, operation=operations[code])
        spine.repair_order_transition(repair_order=order, to=Status.ESTIMATE, actor=advisor)
        return order

    def depart(order, kind):
        for line in order.lines.filter(kind=LineKind.LABOUR):
            job_dispatch(actor=foreman, line=line, technician=certified, required_finish_at=order.promised_at)
        spine.site_kit_confirm(actor=certified, order=order, checked=[i.code for i in spine.kit_items(store, kind)])

    # A home service under way: the technician has left with the van and is working at the car.
    home = open_order(evs[0], "home", HOME_ADDRESS, ("H001", "H002"), vans[0], "车主上班期间在车库上门检测保养")
    spine.repair_order_authorise(actor=advisor, order=home, method="verbal", note="车主电话确认上门项目及费用")
    depart(home, "home")
    first = home.lines.filter(kind=LineKind.LABOUR).order_by("position", "id").first()
    job_clock_on(actor=certified, line=first)
    _photo(foreman, home, "home-arrival.png", "上门服务：车辆停放位置及周边环境", (96, 125, 139))

    # A wall-box installation: surveyed with photos, installed, accepted and signed by the customer.
    wallbox = open_order(evs[1], "wallbox", WALLBOX_ADDRESS, ("W001", "W002"), vans[1], "新车配套家用充电桩安装")
    photos = [
        photo_add(actor=advisor, order=wallbox, image=ContentFile(demo_png(rgb), name=name), caption=caption)
        for name, caption, rgb in (
            ("survey-parking.png", "勘测：固定车位及安装墙面", (120, 144, 156)),
            ("survey-meter.png", "勘测：电表箱位置，距车位约25米", (141, 110, 99)),
        )
    ]
    spine.site_survey_record(
        actor=advisor, order=wallbox, photos=photos,
        notes="物业已同意安装；独立电表已报装（220V/40A）；走线约25米，需沿墙穿PVC管；墙面为混凝土，可壁挂。",
    )  # fmt: skip
    spine.repair_order_authorise(actor=advisor, order=wallbox, method="verbal", note="车主电话确认勘测结果及报价")
    depart(wallbox, "wallbox")
    _finish_jobs(wallbox)
    _photo(foreman, wallbox, "wallbox-installed.png", "安装完成：充电桩壁挂及走线", (46, 139, 87))
    spine.site_acceptance_sign(
        actor=certified, order=wallbox, signature=_signature_png(), note="绝缘测试合格，试充电正常（7 kW）"
    )
    _inspect(wallbox, foreman, passed=True)

    # Tomorrow's home-service booking, from the owner's phone.
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    start = timezone.make_aware(timezone.datetime.combine(tomorrow, timezone.datetime.min.time())) + timedelta(hours=10)
    try:
        appointment_book(
            actor=None, store=store, vehicle=evs[0], start_at=start, channel=Channel.WEB,
            operations=[operations["H001"]], complaint="上门检查空调滤清器及胎压", site_address=HOME_ADDRESS,
        )  # fmt: skip
    except ValidationError:
        pass  # no technician or van free tomorrow at ten: the demo does without
    return [home, wallbox]
