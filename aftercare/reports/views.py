from datetime import datetime, time, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required
from aftercare.customers.models import Customer

from .forms import PeriodForm
from .selectors import manager_numbers

DRILL_LIMIT = 200


def _day_start(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@permission_required(Perm.REPORT_VIEW)
def kpis(request: HttpRequest) -> HttpResponse:
    """Numbers the manager sees: each KPI with its target, met or missed, and the customers behind it."""
    stores = list(Store.objects.for_user(request.user, Perm.REPORT_VIEW).order_by("code"))
    form = PeriodForm(request.GET or None, stores=stores)
    today = timezone.localdate()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {"start": today.replace(day=1), "end": today}
    store_ids = [s.pk for s in stores if data.get("store") in (None, s.pk)]
    # The contract selectors take a half-open period of aware datetimes.
    numbers = manager_numbers(
        store_ids=store_ids, start=_day_start(data["start"]), end=_day_start(data["end"] + timedelta(days=1))
    )
    drill, drill_kpi = None, None
    if request.GET.get("drill"):
        drill_kpi = next((k for k in numbers if k.key == request.GET["drill"]), None)
        if drill_kpi is None:
            raise Http404
        drill = list(
            Customer.objects.for_user(request.user, Perm.REPORT_VIEW)
            .filter(pk__in=drill_kpi.customer_ids[:DRILL_LIMIT])
            .order_by("name", "pk")
        )
    query = "&".join(f"{k}={v}" for k, v in request.GET.items() if k != "drill")
    context = {"form": form, "numbers": numbers, "drill": drill, "drill_kpi": drill_kpi, "query": query, "period": data}
    return render(request, "reports/kpis.html", context)
