"""What the customer's phone shows, each page in a fixed number of queries
(docs/DOMAIN.md §15.2), and the staff's list of a customer's or an order's links."""

from django.db.models import Prefetch

from aftercare.appointments.models import Appointment
from aftercare.core.permissions import Perm
from aftercare.service.choices import LineStatus, Status
from aftercare.service.models import Photo, RepairOrder, RepairOrderLine, StatusChange
from aftercare.service.selectors import progress_steps

from .models import PortalLink


def order_progress(link: PortalLink) -> dict:
    """The link's order with its stages (from the spine's status history), the promised
    time and whether the car is ready, in two queries."""
    order = (
        RepairOrder.objects.filter(pk=link.repair_order_id, customer_id=link.customer_id)
        .select_related("vehicle", "advisor")
        .prefetch_related(Prefetch("status_changes", queryset=StatusChange.objects.only(
            "repair_order_id", "to_status", "changed_at")))
        .get()
    )  # fmt: skip
    return {
        "order": order,
        "steps": progress_steps(order, order.status_changes.all()),
        "ready": order.status == Status.READY,
    }


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
    orders = list(
        RepairOrder.objects.filter(customer=customer, store_id=link.store_id)
        .select_related("vehicle")
        .order_by("-opened_at", "-id")
        .prefetch_related(Prefetch("lines", queryset=RepairOrderLine.objects.filter(status=LineStatus.APPROVED)))[:20]
    )
    return {"vehicles": vehicles, "orders": orders, "loyalty": customer_loyalty(customer)}


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
