"""Reads of customers and vehicles that are more than a filter: the customer and
vehicle pages, current consents. The search box is `search.py`."""

from django.db.models import F

from aftercare.core.permissions import Perm

from .choices import ConsentPurpose
from .models import ClassChange, Consent, Customer, OdometerReading, Vehicle, VehicleOwnership

# How many rows of a history (readings, class changes) the pages show.
HISTORY_ROWS = 20


def current_consents(customer: Customer) -> dict[str, Consent | None]:
    """The latest decision per purpose (None: never asked)."""
    latest: dict[str, Consent | None] = dict.fromkeys(ConsentPurpose.values)
    for consent in customer.consents.order_by("purpose", "-recorded_at", "-id"):
        if latest.get(consent.purpose, False) is None:
            latest[consent.purpose] = consent
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    """Service notices are allowed unless withdrawn; every other purpose needs a yes."""
    consent = customer.consents.filter(purpose=purpose).order_by("-recorded_at", "-id").first()
    if consent is None:
        return purpose == ConsentPurpose.SERVICE
    return consent.granted


# --- the customer and vehicle pages -----------------------------------------------------------------


def customer_page(user, pk: int) -> Customer | None:
    """The customer, with its assigned advisor, if it is in the user's stores (one query)."""
    return Customer.objects.for_user(user, Perm.CUSTOMER_VIEW).select_related("assigned_advisor").filter(pk=pk).first()


def customer_360(customer: Customer) -> dict:
    """Everything the customer page shows around the customer: four queries whatever the data."""
    purposes = dict(ConsentPurpose.choices)
    vehicles = customer.vehicles.order_by("-is_active", F("last_visit_at").desc(nulls_last=True), "id")
    return {
        "vehicles": [{"vehicle": v, "next_service": v.next_service_due()} for v in vehicles],
        "consents": [(purposes[p], c) for p, c in current_consents(customer).items()],
        "preference_labels": customer.preference_labels,
        "former_vehicles": list(
            VehicleOwnership.objects.filter(customer=customer, ended_at__isnull=False).select_related("vehicle")
        ),
        "class_changes": list(
            ClassChange.objects.filter(customer=customer).select_related("changed_by")[:HISTORY_ROWS]
        ),
        # Lazy: only users who may merge see these (the page evaluates it under can_merge).
        "merged_records": Customer.objects.filter(merged_into=customer).order_by("-updated_at"),
    }


def vehicle_page(user, pk: int) -> Vehicle | None:
    """The vehicle, with its owner, if it is in the user's stores (one query)."""
    return Vehicle.objects.for_user(user, Perm.CUSTOMER_VIEW).select_related("owner").filter(pk=pk).first()


def vehicle_history(vehicle: Vehicle) -> dict:
    """The vehicle page's owners, odometer readings and class changes (three queries)."""
    return {
        "ownerships": list(VehicleOwnership.objects.filter(vehicle=vehicle).select_related("customer")),
        "readings": list(OdometerReading.objects.filter(vehicle=vehicle).select_related("recorded_by")[:HISTORY_ROWS]),
        "class_changes": list(ClassChange.objects.filter(vehicle=vehicle).select_related("changed_by")[:HISTORY_ROWS]),
    }


def daily_new_customers(*, store_ids, start, end) -> dict:
    """{(store_id, local day): customers created start..end} (docs/DOMAIN.md §18.3): one grouped query."""
    from django.db.models import Count
    from django.db.models.functions import TruncDate

    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    rows = (
        Customer.objects.filter(store_id__in=list(store_ids), created_at__gte=since, created_at__lt=until)
        .annotate(day=TruncDate("created_at"))
        .values_list("store_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(store_id, day): n for store_id, day, n in rows}


def customers_created(*, store_ids, start, end):
    """The customers created start..end (new customers): a drill-down's rows."""
    from aftercare.core.dates import local_day_bounds

    since, until = local_day_bounds(start, end)
    return Customer.objects.filter(store_id__in=list(store_ids), created_at__gte=since, created_at__lt=until)
