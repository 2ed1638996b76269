"""What the customer's phone shows, each page in a fixed number of queries
(docs/DOMAIN.md §15.2), and the staff's list of a customer's or an order's links."""

from django.db.models import Prefetch

from aftercare.appointments.models import Appointment
from aftercare.core.permissions import Perm
from aftercare.service.choices import LineStatus, Status
from aftercare.service.models import Photo, RepairOrder, RepairOrderLine, StatusChange
from aftercare.service.selectors import progress_steps

from .choices import Purpose
from .models import PortalLink

# What the progress page shows of the order, its car and its advisor: the columns it reads, not
# the whole rows (an order carries its authorisation signature, a data URL of up to 2 MB).
PROGRESS_FIELDS = (
    "id", "number", "status", "store_id", "customer_id", "promised_at", "customer_total",
    "vehicle__id", "vehicle__plate", "vehicle__vin",
    "advisor__id", "advisor__username", "advisor__first_name", "advisor__last_name",
)  # fmt: skip


def order_progress(link: PortalLink) -> dict:
    """The link's order with its stages (from the spine's status history), the promised
    time, whether the car is ready and what is still to pay (billing's annotations, in the
    same statement), in two queries; a third names the providers when something is due."""
    from aftercare.billing.selectors import attach_phone_money

    order = (
        RepairOrder.objects.filter(pk=link.repair_order_id, customer_id=link.customer_id)
        .select_related("vehicle", "advisor")
        .only(*PROGRESS_FIELDS)
        .prefetch_related(Prefetch("status_changes", queryset=StatusChange.objects.only(
            "repair_order_id", "to_status", "changed_at")))
        .get()
    )  # fmt: skip
    attach_phone_money([order])
    return {
        "order": order,
        "steps": progress_steps(order, order.status_changes.all()),
        "ready": order.status == Status.READY,
        **payable(order),
    }


def payable(order: RepairOrder) -> dict:
    """What the phone offers to pay on an order given its money by billing's attach_phone_money: the
    balance due, what is being paid now, and the providers (asked only when something is due)."""
    from aftercare.billing.selectors import phone_balance, phone_providers

    due, waiting = phone_balance(order)
    order.due, order.waiting_now = due, waiting
    order.payable = due - waiting > 0
    return {"due": due, "waiting": waiting, "providers": phone_providers(order.store_id) if order.payable else []}


def order_for_approval(link: PortalLink) -> dict:
    """The link's order with its lines and the photos of each line's finding."""
    order = (
        RepairOrder.objects.filter(pk=link.repair_order_id, customer_id=link.customer_id)
        .select_related("vehicle")
        .prefetch_related(
            Prefetch("lines", queryset=RepairOrderLine.objects.prefetch_related(
                Prefetch("photos", queryset=Photo.objects.order_by("id")))),
        )
        .get()
    )  # fmt: skip
    lines = list(order.lines.all())
    return {
        "order": order,
        "lines": [line for line in lines if line.status == LineStatus.APPROVED],
        "proposed": [line for line in lines if line.status == LineStatus.PROPOSED],
        "decided": [line for line in lines if line.is_additional and line.status != LineStatus.PROPOSED],
        "authorising": order.status == Status.ESTIMATE,
    }


def customer_history(link: PortalLink) -> dict:
    """The customer's vehicles with the next service due and each one's electronic
    health records (the same snapshot the store uploads, docs/DOMAIN.md §23), past
    orders with their lines, and the member card's balances and ledger (loyalty's own selector)."""
    from aftercare.healthrecords.selectors import records_for_vehicles
    from aftercare.loyalty.selectors import customer_loyalty

    customer = link.customer
    vehicles = list(customer.vehicles.filter(is_active=True).order_by("plate"))
    records: dict[int, list] = {}
    for record in records_for_vehicles(vehicles):
        records.setdefault(record.vehicle_id, []).append(record)
    for vehicle in vehicles:
        vehicle.health_records = records.get(vehicle.pk, [])
    from aftercare.billing.selectors import attach_phone_money, phone_balance, phone_providers

    orders = attach_phone_money(
        list(
            RepairOrder.objects.filter(customer=customer, store_id=link.store_id)
            .select_related("vehicle", "invoice_request")
            .order_by("-opened_at", "-id")
            .prefetch_related(Prefetch("lines", queryset=RepairOrderLine.objects.filter(status=LineStatus.APPROVED)))[
                :20
            ]
        )
    )
    for order in orders:
        order.due, order.waiting_now = phone_balance(order)
        order.payable = order.due - order.waiting_now > 0
        order.invoice = getattr(order, "invoice_request", None)
    providers = phone_providers(link.store_id) if any(order.payable for order in orders) else []
    return {"vehicles": vehicles, "orders": orders, "loyalty": customer_loyalty(customer), "providers": providers}


def customer_order(link: PortalLink, pk) -> RepairOrder:
    """An order the link may show money of: a progress link's own order, or any order of a
    history link's customer at its store (RepairOrder.DoesNotExist otherwise)."""
    from aftercare.billing.selectors import attach_phone_money

    if link.purpose == Purpose.PROGRESS and link.repair_order_id != pk:
        raise RepairOrder.DoesNotExist
    if link.purpose not in (Purpose.PROGRESS, Purpose.HISTORY):
        raise RepairOrder.DoesNotExist
    order = (
        RepairOrder.objects.filter(customer_id=link.customer_id, store_id=link.store_id)
        .select_related("vehicle", "store", "repair_type", "invoice_request")
        .get(pk=pk)
    )
    return attach_phone_money([order])[0]


def links_for(user, *, customer=None, repair_order=None) -> list[PortalLink]:
    """The links issued for a customer or an order that the user may see (their stores only)."""
    links = PortalLink.objects.for_user(user, Perm.CUSTOMER_VIEW).select_related("created_by", "repair_order")
    if customer is not None:
        links = links.filter(customer=customer)
    if repair_order is not None:
        links = links.filter(repair_order=repair_order)
    return list(links[:20])


def upcoming_appointments(link: PortalLink) -> list[Appointment]:
    from aftercare.appointments.choices import CHANGEABLE_STATUSES

    return list(
        Appointment.objects.filter(customer_id=link.customer_id, status__in=CHANGEABLE_STATUSES)
        .select_related("vehicle")
        .order_by("start_at")[:5]
    )


def booking_services(vehicles) -> list[tuple[str, str]]:
    """What the booking page offers: the workshop always; home service, wall-box installation
    and charger repair only to the owner of a plug-in car (docs/DOMAIN.md §17.9)."""
    from django.utils.translation import gettext as _

    from aftercare.catalog.choices import PLUG_IN_POWERTRAINS, SiteKind

    offered = [("", _("At the store"))]
    if any(vehicle.powertrain in PLUG_IN_POWERTRAINS for vehicle in vehicles):
        offered += [(kind.value, str(kind.label)) for kind in SiteKind]
    return offered


def site_operation(store, kind: str):
    """The catalogue operation a customer's booking of site work `kind` starts with: for a
    wall-box, the site survey (the installation follows on the order)."""
    from aftercare.catalog.models import LabourOperation

    return (
        LabourOperation.objects.effective_for_store(store).active().filter(site_kind=kind)
        .select_related("category").order_by("high_voltage", "code").first()
    )  # fmt: skip


def free_starts(link: PortalLink, day, *, now=None, service: str = "") -> list:
    """The free start times on `day` from the appointments app's own capacity (docs/DOMAIN.md
    §5.2): for the link's booking its own work, the booking itself not counting as busy; for a
    new booking of site work `service`, the times a technician and a van are free (§17.9)."""
    from django.utils import timezone

    from aftercare.appointments.selectors import day_plan, free_slots
    from aftercare.appointments.services import DEFAULT_TRAVEL_MINUTES

    now = now or timezone.now()
    appointment = link.appointment
    if appointment is None:
        operation = site_operation(link.store, service) if service else None
        operations, travel = ([operation], DEFAULT_TRAVEL_MINUTES) if operation else ([], 0)
        slots = free_slots(store=link.store, day=day, operations=operations, now=now, travel_minutes=travel)
        return [slot.start for slot in slots]
    if day < timezone.localdate(now):
        return []
    operations = [row.operation for row in appointment.operations.select_related("operation__category")]
    # The booking's whole length: for site work that includes the travel both ways (§17.9).
    minutes = int((appointment.end_at - appointment.start_at).total_seconds() // 60)
    plan = day_plan(
        store=link.store, day=day, operations=operations, duration_minutes=minutes,
        exclude_appointment_id=appointment.pk,
    )  # fmt: skip
    return [slot.start for slot in plan.slots(now=now)]
