"""Choices of the parts counter."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue to a repair order")
    RETURN = "return", _("Return from the workshop")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Stock-count variance")
    REVERSAL = "reversal", _("Reversal")


# Movements that are demand: what the workshop took, net of what came back.
DEMAND_KINDS = (MovementKind.ISSUE, MovementKind.RETURN)


class PartClass(models.TextChoices):
    GENERAL = "general", _("General part")
    DIRECT = "direct", _("Direct-ship part")
    SPECIAL = "special", _("Special part")


class DemandStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting to be issued")
    SHORT = "short", _("Out of stock")
    ISSUED = "issued", _("Issued")
    CLOSED = "closed", _("Closed")


OPEN_DEMAND = (DemandStatus.WAITING, DemandStatus.SHORT)


class OrderType(models.TextChoices):
    REGULAR = "regular", _("Regular (fixed day, frequency and transport)")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class SerialStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    FITTED = "fitted", _("Fitted to a vehicle")


class DocumentKind(models.TextChoices):
    """The special-part order's checklist (docs/DOMAIN.md §12.4)."""

    PHOTO_FRONT = "photo_front", _("Photo: front or the worst damage")
    PHOTO_LEFT_FRONT = "photo_left_front", _("Photo: left front corner")
    PHOTO_RIGHT_FRONT = "photo_right_front", _("Photo: right front corner")
    PHOTO_LEFT_REAR = "photo_left_rear", _("Photo: left rear corner")
    PHOTO_RIGHT_REAR = "photo_right_rear", _("Photo: right rear corner")
    ENGINE_RUBBING = "engine_rubbing", _("Rubbing of the engine number")
    VIN_RUBBING = "vin_rubbing", _("Rubbing of the VIN")
    VIN_PLATE = "vin_plate", _("The plate carrying the VIN")
    CERTIFICATE = "certificate", _("Insurer's or police certificate")
    APPLICATION = "application", _("Application form for the engine block or body shell")
    COMPANY_STAMP = "company_stamp", _("Company certificate with the company's stamp")


PHOTO_KINDS = (
    DocumentKind.PHOTO_FRONT,
    DocumentKind.PHOTO_LEFT_FRONT,
    DocumentKind.PHOTO_RIGHT_FRONT,
    DocumentKind.PHOTO_LEFT_REAR,
    DocumentKind.PHOTO_RIGHT_REAR,
)


class CountStatus(models.TextChoices):
    """A stock count document: entered by the clerk, then approved or rejected by a manager."""

    ENTERED = "entered", _("Waiting for approval")
    APPROVED = "approved", _("Variances approved")
    REJECTED = "rejected", _("Rejected")
