"""Pages of the EV app: the panel on the vehicle page, the entry at reception and the care
specialist's list of batteries about to need service (docs/DOMAIN.md §17)."""

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import flash_form_errors, permission_required, post_form
from aftercare.customers.models import Vehicle

from . import selectors, services
from .choices import ReadingSource, UpdateChannel
from .forms import ReadingForm, VersionForm


@permission_required(Perm.CUSTOMER_VIEW)
def vehicle_panel(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
    context = {"vehicle": vehicle, **selectors.vehicle_panel(vehicle)}
    if request.user.has_perm(Perm.CUSTOMER_EDIT, vehicle):
        context.update(reading_form=ReadingForm(prefix="reading"), version_form=VersionForm(prefix="version"))
    return render(request, "ev/vehicle_panel.html", context)


def _reading(actor, vehicle, data):
    with transaction.atomic():
        values = {k: data[k] for k in ("soh", "soc", "cycle_count", "cell_spread_mv", "max_cell_temp", "dc_share")}
        services.reading_save(actor=actor, vehicle=vehicle, read_at=data["read_at"], source=ReadingSource.RECEPTION,
                              **values)  # fmt: skip
        if data.get("code"):
            services.trouble_code_save(actor=actor, vehicle=vehicle, code=data["code"], first_seen=data["read_at"],
                                       description=data.get("code_description", ""),
                                       source=ReadingSource.RECEPTION)  # fmt: skip


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def reading_add(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=pk)
    form = ReadingForm(request.POST, prefix="reading")
    outcome = post_form(request, form, lambda d: _reading(request.user, vehicle, d),
                        success=_("Diagnostic reading saved."))  # fmt: skip
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("customers:vehicle_detail", pk=vehicle.pk)


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def version_add(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=pk)
    form = VersionForm(request.POST, prefix="version")
    outcome = post_form(
        request, form,
        lambda d: services.version_save(actor=request.user, vehicle=vehicle, controller=d["controller"],
                                        version=d["version"], installed_at=d["installed_at"],
                                        channel=d["channel"] or UpdateChannel.OTA),
        success=_("Software version saved."),
    )  # fmt: skip
    if not outcome.ok:
        flash_form_errors(request, form)
    return redirect("customers:vehicle_detail", pk=vehicle.pk)


@permission_required(Perm.FOLLOWUP_WORK)
def forecast_list(request: HttpRequest) -> HttpResponse:
    page = lazy_page(request, selectors.forecasts_due(request.user))
    store = getattr(request, "store", None)
    can_import = store is not None and request.user.has_perm(Perm.CUSTOMER_EDIT, store)
    return render(request, "ev/forecast_list.html", {"page": page, "can_import": can_import})
