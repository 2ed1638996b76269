"""The rights desk, the access log screens and the retention page (docs/DOMAIN.md §16.5-§16.7)."""

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.accounts.models import User
from aftercare.core.exports import content_disposition
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import permission_required, post_form, run_action
from aftercare.core.workflow import TransitionRefused
from aftercare.customers.models import Customer

from . import retention, selectors, services
from .access import access_record
from .choices import AccessKind, RequestKind, RequestStatus, RunMode
from .export import build_zip
from .forms import CloseForm, CorrectionForm, IdentityForm, PeriodForm, RequestForm, SettingsForm, WithdrawForm
from .models import AccessAlert, RetentionRun, RightsRequest


def _request(request: HttpRequest, pk: int) -> RightsRequest:
    return get_object_or_404(selectors.requests_for(request.user), pk=pk)


@permission_required(Perm.PRIVACY_REQUEST)
def request_list(request: HttpRequest) -> HttpResponse:
    page = lazy_page(request, selectors.requests_for(request.user))
    for row in page.object_list:
        row.days_left = selectors.working_days_left(row) if row.is_open else None
    return render(request, "privacy/request_list.html", {"page": page})


@permission_required(Perm.PRIVACY_REQUEST)
def request_new(request: HttpRequest) -> HttpResponse:
    initial = {}
    if pk := request.GET.get("customer", ""):
        if pk.isdigit() and (
            customer := Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).filter(pk=pk).first()
        ):
            initial["customer_number"] = customer.number
    form = RequestForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def create(data):
            customer = (
                Customer.objects.for_user(request.user, Perm.PRIVACY_REQUEST)
                .filter(number=data["customer_number"].strip(), store=request.store, merged_into__isnull=True)
                .first()
            )
            if customer is None:
                raise ValidationError({"customer_number": _("No customer with this number in this store.")})
            return services.request_create(
                actor=request.user, store=request.store, customer=customer,
                kind=data["kind"], channel=data["channel"], details=data["details"],
            )  # fmt: skip

        outcome = post_form(request, form, create, success=_("Request logged."))
        if outcome.ok:
            return redirect("privacy:request_detail", pk=outcome.result.pk)
    return render(request, "privacy/request_new.html", {"form": form})


@permission_required(Perm.PRIVACY_REQUEST)
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = _request(request, pk)
    link = None
    if row.export_expires_at and row.export_ready_at and row.export_expires_at > timezone.now():
        link = request.build_absolute_uri(reverse("privacy:download", args=[services.export_token(row)]))
    context = {
        "req": row,
        "days_left": selectors.working_days_left(row) if row.is_open else None,
        "history": row.history.select_related("changed_by"),
        "identity_form": IdentityForm(),
        "withdraw_form": WithdrawForm(),
        "correction_form": CorrectionForm(),
        "close_form": CloseForm(),
        "link": link,
        "Status": RequestStatus,
        "Kind": RequestKind,
    }
    return render(request, "privacy/request_detail.html", context)


def _step(request, pk, form_class, call, success):
    row = _request(request, pk)
    if request.method != "POST":
        raise Http404
    if form_class is None:
        run_action(request, lambda: call(row, None), success=success)
    else:
        form = form_class(request.POST)
        outcome = post_form(request, form, lambda data: call(row, data), success=success, refused=TransitionRefused)
        if not outcome.ok:
            for field, errors in form.errors.items():
                for error in errors:
                    messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {error}")
    return redirect("privacy:request_detail", pk=row.pk)


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_identity(request, pk):
    return _step(
        request,
        pk,
        IdentityForm,
        lambda row, d: services.request_check_identity(
            actor=request.user, request=row, identity_check=d["identity_check"], note=d["note"]
        ),
        _("Identity recorded."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_start(request, pk):
    return _step(
        request,
        pk,
        None,
        lambda row, d: services.request_start(actor=request.user, request=row),
        _("Request in progress."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_export(request, pk):
    return _step(
        request,
        pk,
        None,
        lambda row, d: services.request_prepare_export(actor=request.user, request=row),
        _("Download link prepared for the customer."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_withdraw(request, pk):
    return _step(
        request,
        pk,
        WithdrawForm,
        lambda row, d: services.request_withdraw(actor=request.user, request=row, purposes=d["purposes"], via=d["via"]),
        _("Consent withdrawn."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_correct(request, pk):
    return _step(
        request,
        pk,
        CorrectionForm,
        lambda row, d: services.request_correct(actor=request.user, request=row, note=d["note"]),
        _("Correction recorded."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_erase(request, pk):
    return _step(
        request,
        pk,
        None,
        lambda row, d: services.request_erase(actor=request.user, request=row),
        _("The customer's personal data was erased."),
    )


@require_POST
@permission_required(Perm.PRIVACY_REQUEST)
def request_close(request, pk):
    return _step(
        request,
        pk,
        CloseForm,
        lambda row, d: services.request_close(actor=request.user, request=row, reply=d["reply"]),
        _("Request closed."),
    )


def _zip_response(row: RightsRequest) -> HttpResponse:
    response = HttpResponse(build_zip(row.customer, request_number=row.number), content_type="application/zip")
    response["Content-Disposition"] = content_disposition(f"{row.number}.zip")
    response["Cache-Control"] = "no-store"
    return response


@permission_required(Perm.PRIVACY_REQUEST)
def request_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The export opened by staff (to check it before handing over the link): logged."""
    row = _request(request, pk)
    if row.kind != RequestKind.EXPORT or row.export_ready_at is None:
        raise Http404
    access_record(
        user=request.user, store_id=row.store_id, customer_ids=[row.customer_id], kind=AccessKind.RIGHTS_EXPORT
    )
    return _zip_response(row)


def download(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's expiring link (no sign-in): a signed token of our own."""
    try:
        row = services.request_for_token(token)
    except signing.BadSignature:
        return render(request, "privacy/link_expired.html", status=410)
    access_record(user=None, store_id=row.store_id, customer_ids=[row.customer_id], kind=AccessKind.RIGHTS_EXPORT)
    return _zip_response(row)


# --- the access log ----------------------------------------------------------------------


@permission_required(Perm.PRIVACY_MANAGE)
def access_home(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/access_home.html", {"alerts": selectors.open_alerts(request.user)[:100]})


@permission_required(Perm.PRIVACY_MANAGE)
def access_customer(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer.objects.for_user(request.user, Perm.PRIVACY_MANAGE), pk=pk)
    form = PeriodForm(request.GET or None)
    bounds = form.cleaned_data if form.is_valid() else {}
    looks = selectors.who_looked_at(request.user, customer, start=bounds.get("start"), end=bounds.get("end"))
    return render(request, "privacy/access_list.html", {"form": form, "looks": looks, "subject": customer,
                                                         "by_user": False})  # fmt: skip


@permission_required(Perm.PRIVACY_MANAGE)
def access_user(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    if not set(user.store_ids()) & set(request.user.store_ids(Perm.PRIVACY_MANAGE)):
        raise Http404
    form = PeriodForm(request.GET or None)
    bounds = form.cleaned_data if form.is_valid() else {}
    looks = selectors.what_user_looked_at(request.user, user, start=bounds.get("start"), end=bounds.get("end"))
    return render(request, "privacy/access_list.html", {"form": form, "looks": looks, "subject": user,
                                                         "by_user": True})  # fmt: skip


@require_POST
@permission_required(Perm.PRIVACY_MANAGE)
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(AccessAlert.objects.for_user(request.user, Perm.PRIVACY_MANAGE), pk=pk)
    AccessAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now(), acknowledged_by=request.user
    )
    return redirect("privacy:access")


# --- retention ----------------------------------------------------------------------------


@permission_required(Perm.PRIVACY_MANAGE)
def retention_page(request: HttpRequest) -> HttpResponse:
    store = request.store
    if store is None or not request.user.has_perm(Perm.PRIVACY_MANAGE, store):
        raise PermissionDenied
    limits = services.store_settings(store)
    form = SettingsForm(request.POST or None, instance=limits)
    if request.method == "POST":
        fields = SettingsForm.Meta.fields
        outcome = post_form(request, form, lambda data: services.settings_save(
            actor=request.user, store=store, data={k: data[k] for k in fields}), success=_("Saved."))  # fmt: skip
        if outcome.ok:
            return redirect("privacy:retention")
    runs = RetentionRun.objects.for_user(request.user, Perm.PRIVACY_MANAGE).filter(store=store)[:20]
    return render(request, "privacy/retention.html", {"form": form, "limits": limits, "runs": runs,
                                                       "RunMode": RunMode})  # fmt: skip


@require_POST
@permission_required(Perm.PRIVACY_MANAGE)
def retention_dry_run(request: HttpRequest) -> HttpResponse:
    run_action(request, lambda: retention.retention_run(store_id=request.store.pk, dry_run=True, actor=request.user),
               success=_("Dry run done: read its report below."))  # fmt: skip
    return redirect("privacy:retention")


@require_POST
@permission_required(Perm.PRIVACY_MANAGE)
def retention_approve(request: HttpRequest) -> HttpResponse:
    outcome = run_action(request, lambda: retention.retention_approve(actor=request.user, store=request.store),
                         success=_("Approved: the retention limits now run every night."))  # fmt: skip
    if outcome.ok:
        run_action(
            request, lambda: retention.retention_run(store_id=request.store.pk, dry_run=False, actor=request.user)
        )
    return redirect("privacy:retention")
