"""The workshop's changes: dispatch a job, clock on and off, report a finding,
record the final inspection (with rework), and the wash.

Every function runs in one transaction, locks the repair order it checks
(select_for_update; on SQLite the IMMEDIATE transaction already serialises
writers), saves with update_fields and writes the audit trail. Moves of the
order itself go through service.repair_order_transition, never around it."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from aftercare.accounts.roles import Role
from aftercare.catalog.choices import BayCapability
from aftercare.catalog.models import Bay, LabourOperation, Part
from aftercare.core.audit import audit_record
from aftercare.core.models import AuditEntry
from aftercare.core.money import check_quantity
from aftercare.core.permissions import Perm, require
from aftercare.service import services as spine
from aftercare.service.choices import LineKind, LineStatus, Status
from aftercare.service.models import RepairOrder, RepairOrderLine

from .choices import (
    CLOCKABLE_JOB_STATUSES,
    DISPATCHABLE_JOB_STATUSES,
    WORKABLE_ORDER_STATUSES,
    CheckResult,
    InspectionResult,
    JobStatus,
)
from .models import Finding, Job, JobClock, QualityCheck, QualityCheckItem, Rework, Wash

HV_POWERTRAINS = ("BEV", "PHEV", "HEV")
WORKSHOP_ROLES = (Role.TECHNICIAN, Role.FOREMAN)


def _lock_order(order_id: int) -> RepairOrder:
    # Locking the order serialises everything the workshop does to one car:
    # two foremen dispatching, a technician finishing while QC records a fail.
    return RepairOrder.objects.select_for_update(of=("self",)).select_related("store", "vehicle").get(pk=order_id)


def _job_of(line: RepairOrderLine) -> Job:
    job = Job.objects.select_for_update().filter(line_id=line.pk).first()
    if job is None:
        raise ValidationError(_("This job has not been dispatched yet."))
    return job


def is_high_voltage_job(line: RepairOrderLine, powertrain: str) -> bool:
    """Jobs on high-voltage systems of electrified cars need certified people and bays (docs/DOMAIN.md §17)."""
    return bool(line.operation_id and line.operation.high_voltage and powertrain in HV_POWERTRAINS)


# --- dispatch (派工) ---------------------------------------------------------------------


def job_dispatch(*, actor, line: RepairOrderLine, technician, bay: Bay | None = None, required_finish_at=None) -> Job:
    """Assign a labour line of an approved or in-progress order to a technician
    (and a bay), with the time it must be finished by. Dispatching again
    reassigns the job while nobody is clocked on to it."""
    with transaction.atomic():
        order = _lock_order(line.repair_order_id)
        require(actor, Perm.DISPATCH, order)
        line = RepairOrderLine.objects.select_related("operation").get(pk=line.pk, repair_order=order)
        if line.kind != LineKind.LABOUR:
            raise ValidationError(_("Only labour lines are jobs for the workshop."))
        if line.status != LineStatus.APPROVED:
            raise ValidationError(_("The customer has not approved this work yet."))
        if order.status not in WORKABLE_ORDER_STATUSES:
            raise spine.TransitionRefused(
                _("Jobs can be dispatched only on approved or in-progress orders; this order is %(status)s.")
                % {"status": order.get_status_display()}
            )
        if technician is None or not set(technician.roles_at(order.store_id)) & set(WORKSHOP_ROLES):
            raise ValidationError({"technician": _("Choose a technician or foreman of this store.")})
        if bay is not None and (bay.store_id != order.store_id or not bay.is_active):
            raise ValidationError({"bay": _("Choose an active bay of this store.")})
        # Site work (docs/DOMAIN.md §17.9) travels in a van instead of taking a bay; the
        # high-voltage certificate is checked all the same.
        visit = spine.site_visit_of(order)
        if visit is not None:
            if bay is not None:
                raise ValidationError({"bay": _("Site work is done at the customer's address, not in a bay.")})
            if visit.van_id is None:
                raise ValidationError({"technician": _("Choose the van for this site work first.")})
        if is_high_voltage_job(line, order.vehicle.powertrain):
            if not technician.hv_certified:
                raise ValidationError(
                    {"technician": _("High-voltage work needs a technician with the high-voltage certificate.")}
                )
            if visit is None and (bay is None or not bay.has_capability(BayCapability.EV_HIGH_VOLTAGE)):
                raise ValidationError({"bay": _("High-voltage work needs a bay equipped for EV high voltage.")})
        if required_finish_at is not None and order.promised_at and required_finish_at > order.promised_at:
            raise ValidationError(
                {"required_finish_at": _("The job must be finished before the time promised to the customer.")}
            )

        job = Job.objects.select_for_update().filter(line=line).first()
        before = {"technician": line.technician_id, "bay": line.bay_id}
        if job is None:
            job = Job.objects.create(
                line=line, repair_order=order, store_id=order.store_id, technician=technician, bay=bay,
                required_finish_at=required_finish_at, dispatched_by=actor,
            )  # fmt: skip
        else:
            if job.status not in DISPATCHABLE_JOB_STATUSES:
                raise spine.TransitionRefused(
                    _("The job is %(status)s: it cannot be dispatched again now.")
                    % {"status": job.get_status_display()}
                )
            job.technician, job.bay, job.required_finish_at = technician, bay, required_finish_at
            job.dispatched_by, job.dispatched_at = actor, timezone.now()
            job.save(update_fields=["technician", "bay", "required_finish_at", "dispatched_by", "dispatched_at"])
        line.technician, line.bay = technician, bay
        line.save(update_fields=["technician", "bay"])
        after = {
            "line": line.pk,
            "technician": technician.pk,
            "bay": getattr(bay, "pk", None),
            "required_finish_at": required_finish_at.isoformat() if required_finish_at else None,
        }
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"dispatch": [before, after]})
    return job


def jobs_dispatch(
    *,
    actor,
    order: RepairOrder,
    lines: list[RepairOrderLine],
    technician,
    bay: Bay | None = None,
    required_finish_at=None,
) -> list[Job]:
    """Dispatch several jobs of one order to one technician (and bay) at once, as a foreman gives a
    car's whole visit to one person: job_dispatch for each line, under one lock of the order, all or
    none. A refusal names the job it is about."""  # fmt: skip
    if not lines:
        raise ValidationError({"lines": _("Choose the jobs to dispatch.")})
    with transaction.atomic():
        order = _lock_order(order.pk)
        jobs = []
        for line in lines:
            if line.repair_order_id != order.pk:
                raise ValidationError({"lines": _("A job of another repair order was chosen.")})
            try:
                jobs.append(
                    job_dispatch(
                        actor=actor, line=line, technician=technician, bay=bay, required_finish_at=required_finish_at
                    )
                )
            except ValidationError as error:
                raise _about(line, error) from error
    return jobs


def _about(line: RepairOrderLine, error: ValidationError) -> ValidationError:
    """`error` with each message prefixed by the job it concerns."""
    prefix = f"{line.code} {line.description}: "
    if hasattr(error, "error_dict"):
        return ValidationError(
            {
                field: [prefix + message for message in ValidationError(errors).messages]
                for field, errors in error.error_dict.items()
            }
        )
    return ValidationError([prefix + message for message in error.messages])


# --- clocking on and off (开工 / 停工) -----------------------------------------------------


def _close_clock(clock: JobClock, now) -> int:
    clock.ended_at = now
    clock.save(update_fields=["ended_at"])
    return max(0, int((now - clock.started_at).total_seconds()))


def job_clock_on(*, actor, line: RepairOrderLine) -> Job:
    """The technician starts (or resumes) work on their job.

    A technician works on one job at a time: clocking on to another job pauses
    the running one (a technician who waits for parts moves to the next car and
    should not have to find the first tablet); the returned job's `paused`
    lists the jobs it paused, so the technician is told. The first clock-on of
    an approved order moves it to in progress."""
    with transaction.atomic():
        order = _lock_order(line.repair_order_id)
        require(actor, Perm.JOB_CLOCK, order)
        job = _job_of(line)
        if job.technician_id != actor.pk:
            raise PermissionDenied(_("This job is dispatched to another technician."))
        if job.status not in CLOCKABLE_JOB_STATUSES:
            raise spine.TransitionRefused(
                _("You cannot clock on to a job that is %(status)s.") % {"status": job.get_status_display()}
            )
        if order.status not in WORKABLE_ORDER_STATUSES:
            raise spine.TransitionRefused(
                _("Work cannot start on an order that is %(status)s.") % {"status": order.get_status_display()}
            )
        now = timezone.now()
        paused = []
        # The technician's running clock on another job: pause that job.
        for clock in JobClock.objects.select_for_update().filter(technician=actor, ended_at__isnull=True):
            other = Job.objects.select_for_update().select_related("line", "repair_order").get(pk=clock.job_id)
            paused.append(other)
            other.actual_seconds += _close_clock(clock, now)
            other.status = JobStatus.PAUSED
            other.save(update_fields=["actual_seconds", "status"])
            audit_record(
                actor=actor, action=AuditEntry.Action.UPDATE, obj=other.repair_order,
                changes={"job_paused": [other.line_id, "switched to another job"]},
            )  # fmt: skip
        try:
            with transaction.atomic():
                JobClock.objects.create(job=job, technician=actor, started_at=now)
        except IntegrityError as exc:  # a second tablet clocked on in the same instant
            raise spine.TransitionRefused(_("You are already clocked on to another job.")) from exc
        job.status = JobStatus.IN_PROGRESS
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "started_at"])
        audit_record(actor=actor, action=AuditEntry.Action.UPDATE, obj=order, changes={"job_clock_on": [None, line.pk]})
        if order.status == Status.APPROVED:
            spine.repair_order_transition(
                repair_order=order, to=Status.IN_PROGRESS, actor=actor, note=_("Work started")
            )
    job.paused = paused
    return job


@dataclass(frozen=True)
class ClockOffOutcome:
    """What clocking off did: the job, and whether the order moved on to quality
    check (or why it could not, e.g. additional work still waits for the customer)."""

    job: Job
    order_status: str
    waiting_reason: str = ""


def _all_jobs_done(order: RepairOrder) -> bool:
    """Every approved labour line has a job and every job is done."""
    labour = order.lines.filter(kind=LineKind.LABOUR, status=LineStatus.APPROVED)
    done = Job.objects.filter(repair_order=order, line__in=labour, status=JobStatus.DONE).count()
    return done == labour.count()


def job_clock_off(*, actor, line: RepairOrderLine, finished: bool) -> ClockOffOutcome:
    """The technician stops work on a job: a pause, or the job is finished. When the
    last job of the order is finished the order moves to quality check, unless the
    workflow refuses (additional work waiting for the customer's decision): then
    the order stays in progress and the reason is returned, not raised.

    A foreman (dispatch permission) may clock off a technician who forgot."""
    with transaction.atomic():
        order = _lock_order(line.repair_order_id)
        job = _job_of(line)
        is_lead = actor.has_perm(Perm.DISPATCH, order)
        if not (actor.has_perm(Perm.JOB_CLOCK, order) or is_lead):
            raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": order.store})
        if job.technician_id != actor.pk and not is_lead:
            raise PermissionDenied(_("This job is dispatched to another technician."))
        clock = JobClock.objects.select_for_update().filter(job=job, ended_at__isnull=True).first()
        if clock is None:
            if not (finished and job.status == JobStatus.PAUSED):
                raise spine.TransitionRefused(_("Nobody is clocked on to this job."))
        now = timezone.now()
        fields = ["status"]
        if clock is not None:
            job.actual_seconds += _close_clock(clock, now)
            fields.append("actual_seconds")
        if finished:
            job.status, job.finished_at = JobStatus.DONE, now
            fields.append("finished_at")
        else:
            job.status = JobStatus.PAUSED
        job.save(update_fields=fields)
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"job_clock_off": [line.pk, "finished" if finished else "paused"]},
        )  # fmt: skip
        waiting = ""
        if finished and order.status == Status.IN_PROGRESS and _all_jobs_done(order):
            try:
                order = spine.repair_order_transition(
                    repair_order=order, to=Status.QUALITY_CHECK, actor=actor, note=_("All jobs finished")
                )
            except spine.TransitionRefused as refused:
                waiting = " ".join(refused.messages)
    return ClockOffOutcome(job=job, order_status=order.status, waiting_reason=waiting)


# --- additional findings (追加项目) ------------------------------------------------------------


def finding_report(
    *,
    actor,
    line: RepairOrderLine,
    description: str,
    operation: LabourOperation | None = None,
    part: Part | None = None,
    quantity: Decimal = Decimal("1"),
) -> Finding:
    """A technician reports additional work found on their job. If the reporter may
    edit repair orders (a foreman), it becomes a proposed line at once through
    service.line_add; otherwise it waits on the order for the advisor to propose."""
    if not description.strip():
        raise ValidationError({"description": _("Describe what you found.")})
    if operation is not None and part is not None:
        raise ValidationError(_("Suggest an operation or a part, not both."))
    quantity = check_quantity(quantity)
    with transaction.atomic():
        order = _lock_order(line.repair_order_id)
        is_lead = actor.has_perm(Perm.DISPATCH, order)
        if not (is_lead or actor.has_perm(Perm.JOB_CLOCK, order)):
            raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": order.store})
        job = _job_of(line)
        if job.technician_id != actor.pk and not is_lead:
            raise PermissionDenied(_("This job is dispatched to another technician."))
        finding = Finding.objects.create(
            job=job, reported_by=actor, description=description.strip(), operation=operation, part=part,
            quantity=quantity,
        )  # fmt: skip
        audit_record(
            actor=actor, action=AuditEntry.Action.UPDATE, obj=order,
            changes={"finding": [None, finding.description]},
        )  # fmt: skip
        if (operation or part) and actor.has_perm(Perm.REPAIR_ORDER_EDIT, order):
            finding = finding_propose(actor=actor, finding=finding)
    return finding


def finding_propose(*, actor, finding: Finding) -> Finding:
    """Turn a reported finding into proposed additional work (a line the customer
    approves or declines) with service.line_add, as the actor who may edit the order."""
    with transaction.atomic():
        finding = Finding.objects.select_for_update().select_related("job").get(pk=finding.pk)
        order = _lock_order(finding.job.repair_order_id)
        require(actor, Perm.REPAIR_ORDER_EDIT, order)
        if finding.proposed_line_id or finding.dismissed:
            raise ValidationError(_("This finding has already been handled."))
        if finding.operation_id is None and finding.part_id is None:
            raise ValidationError(_("Choose the operation or part to propose first."))
        # The technician found this work on the car: a second line for an entry the order carries
        # is what the finding says, so it is confirmed (docs/DOMAIN.md §4.1).
        (line, *_rest) = spine.line_add(
            actor=actor, order=order, operation=finding.operation, part=finding.part, quantity=finding.quantity,
            confirm_duplicate=True,
        )  # fmt: skip
        finding.proposed_line = line
        finding.save(update_fields=["proposed_line"])
    return finding


# --- final inspection (完工检查) and rework ---------------------------------------------------


def ready_needs_passed_quality_check(order: RepairOrder) -> str | None:
    """Guard of the move to `ready`: the latest final inspection passed."""
    latest = QualityCheck.objects.latest_for(order)
    if latest is None or not latest.passed:
        return _("The final inspection has not passed yet.")
    return None


def applicable_inspection_items(order: RepairOrder):
    """The store's active checklist items that apply to the car's powertrain."""
    from aftercare.catalog.models import InspectionItem

    items = InspectionItem.objects.effective_for_store(order.store).active().order_by("sort_order", "code")
    return [item for item in items if item.applies_to(order.vehicle.powertrain)]


def quality_check_record(
    *,
    actor,
    order: RepairOrder,
    results: dict[str, str],
    passed: bool,
    reason: str = "",
    road_test_required: bool = False,
    road_test_done: bool = False,
    rework_lines: list[RepairOrderLine] | tuple = (),
) -> QualityCheck:
    """Record the final inspection of an order in quality check.

    Pass: every checklist item answered, the road test done if needed, not-OK
    items explained; the order moves to ready. Fail: a reason and the jobs to
    redo; those jobs go back to their technicians as rework and the order back
    to in progress."""
    reason = reason.strip()
    with transaction.atomic():
        order = _lock_order(order.pk)
        require(actor, Perm.QUALITY_CHECK, order)
        if order.status != Status.QUALITY_CHECK:
            raise spine.TransitionRefused(
                _("Only an order in quality check can be inspected; this order is %(status)s.")
                % {"status": order.get_status_display()}
            )
        items = applicable_inspection_items(order)
        errors: dict[str, str] = {}
        missing = [item.name for item in items if results.get(item.code) not in CheckResult.values]
        if missing:
            errors["results"] = _("Answer every checklist item: %(items)s") % {"items": ", ".join(missing)}
        not_ok = [item.name for item in items if results.get(item.code) == CheckResult.NOT_OK]
        if passed:
            if road_test_required and not road_test_done:
                errors["road_test_done"] = _("The road test is needed before the car can pass.")
            if not_ok and not reason:
                errors["reason"] = _("Explain the items that are not OK (e.g. recommended to the customer).")
        else:
            if not reason:
                errors["reason"] = _("Give the reason the inspection failed.")
            if not rework_lines:
                errors["rework_lines"] = _("Choose the jobs that go back for rework.")
        jobs = list(
            Job.objects.select_for_update().filter(repair_order=order, line_id__in=[ln.pk for ln in rework_lines])
        )
        if rework_lines and len(jobs) != len({ln.pk for ln in rework_lines}):
            errors["rework_lines"] = _("Choose jobs of this repair order.")
        if errors:
            raise ValidationError(errors)

        check = QualityCheck.objects.create(
            repair_order=order, store_id=order.store_id, inspector=actor,
            result=InspectionResult.PASS if passed else InspectionResult.FAIL,
            road_test_required=road_test_required, road_test_done=road_test_done, reason=reason,
        )  # fmt: skip
        QualityCheckItem.objects.bulk_create(
            [QualityCheckItem(quality_check=check, code=i.code, name=i.name, result=results[i.code]) for i in items]
        )
        audit_record(
            actor=actor, action=AuditEntry.Action.CREATE, obj=order, reason=reason,
            changes={"quality_check": [None, check.result], "not_ok": [None, not_ok]},
        )  # fmt: skip
        if passed:
            spine.repair_order_transition(
                repair_order=order, to=Status.READY, actor=actor, note=_("Final inspection passed")
            )
            return check
        for job in jobs:
            job.status, job.finished_at = JobStatus.REWORK, None
            job.rework_count += 1
            job.save(update_fields=["status", "finished_at", "rework_count"])
            Rework.objects.create(quality_check=check, job=job, technician_id=job.technician_id, reason=reason)
        spine.repair_order_transition(
            repair_order=order,
            to=Status.IN_PROGRESS,
            actor=actor,
            note=_("Rework: %(reason)s") % {"reason": reason[:150]},
        )
    return check


# --- wash (清洗) ---------------------------------------------------------------------------------


def repair_order_wash(*, actor, order: RepairOrder) -> Wash:
    """Record that the car was washed (after the work, before delivery). Optional for
    `ready`; shown on the board."""
    with transaction.atomic():
        order = _lock_order(order.pk)
        if not (actor.has_perm(Perm.JOB_CLOCK, order) or actor.has_perm(Perm.DISPATCH, order)):
            raise PermissionDenied(_("You do not have permission to do this in %(store)s.") % {"store": order.store})
        if order.status not in (Status.IN_PROGRESS, Status.QUALITY_CHECK, Status.READY, Status.SETTLED):
            raise spine.TransitionRefused(_("The car can be washed once the work has started."))
        if Wash.objects.filter(repair_order=order).exists():
            raise spine.TransitionRefused(_("The wash is already recorded."))
        wash = Wash.objects.create(repair_order=order, washed_by=actor)
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=order,
            changes={"washed_at": [None, wash.washed_at.isoformat()]},
        )
    return wash
