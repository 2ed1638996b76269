"""Choices of the workshop: job states, checklist answers and inspection results."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from aftercare.service.choices import Status


class JobStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PAUSED = "paused", _("Paused")
    DONE = "done", _("Done")
    REWORK = "rework", _("Rework")


JOB_STATUS_COLOURS = {
    JobStatus.ASSIGNED: "secondary",
    JobStatus.IN_PROGRESS: "warning",
    JobStatus.PAUSED: "info",
    JobStatus.DONE: "success",
    JobStatus.REWORK: "danger",
}

# A technician may clock on to a job in these states.
CLOCKABLE_JOB_STATUSES = (JobStatus.ASSIGNED, JobStatus.PAUSED, JobStatus.REWORK)
# A job may be (re)dispatched while nobody is clocked on to it and it is not finished.
DISPATCHABLE_JOB_STATUSES = (JobStatus.ASSIGNED, JobStatus.PAUSED, JobStatus.REWORK)
# Orders whose jobs may be dispatched and worked on (docs/DOMAIN.md §6.1).
WORKABLE_ORDER_STATUSES = (Status.APPROVED, Status.IN_PROGRESS)


class CheckResult(models.TextChoices):
    """The answer to one line of the final-inspection checklist."""

    OK = "ok", _("OK")
    NOT_OK = "not_ok", _("Not OK")
    NOT_APPLICABLE = "na", _("N/A")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


# Work on these operation categories changes how the car drives: the final
# inspection suggests a road test (docs/DOMAIN.md §6.4).
ROAD_TEST_CATEGORIES = ("brakes", "chassis", "tyres", "engine", "ev")

# The board's warning window: promised within this many minutes and work not finished.
AT_RISK_MINUTES = 30
