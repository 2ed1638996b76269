"""WeChat Pay and Alipay pages: the counter's charge and its status (polled
by htmx), the providers' notification endpoints, the admin's account screen
and the reconciliation list. Thin: parse, call billing.online, render."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from aftercare.core.audit import audit_record
from aftercare.core.dates import iso_day
from aftercare.core.exports import xlsx_response
from aftercare.core.models import AuditEntry, Store
from aftercare.core.permissions import Perm
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action

from . import online, selectors
from .choices import Provider
from .forms import OnlineRefundForm, ProviderAccountForm, ReconcileForm
from .models import ProviderAccount, ProviderTransaction, Reconciliation, ReconciliationDifference
from .providers import ProviderError, SignatureInvalid
from .views import _order, _order_page


def notify_url(request: HttpRequest, account: ProviderAccount) -> str:
    return request.build_absolute_uri(reverse("billing:provider_notify", args=[account.provider, account.pk]))


@permission_required(Perm.PAYMENT_POST)
@require_POST
def online_pay(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a WeChat Pay / Alipay charge; the status page follows it."""
    order = _order(request, pk, Perm.PAYMENT_POST)
    form, _providers = selectors.online_pay_form(order, request.POST)

    def start(data):
        account = online.active_account(order.store, data["provider"])
        return online.provider_charge_start(
            actor=request.user, order=order, provider=data["provider"], flow=data["flow"], amount=data["amount"],
            auth_code=data["auth_code"], idempotency_key=data["token"],
            notify_url=notify_url(request, account) if account else "",
        )  # fmt: skip

    posted = post_form(request, form, start, rename={"method": "provider"})
    if posted.ok:
        return redirect("billing:online_txn", pk=posted.result[0].pk)
    return _order_page(request, order, status=400, online_form=form)


def _txn(request: HttpRequest, pk: int, perm: str) -> ProviderTransaction:
    txns = ProviderTransaction.objects.for_user(request.user, perm).select_related(
        "repair_order__vehicle", "repair_order__customer", "payment", "store"
    )
    return get_object_or_404(txns, pk=pk)


@permission_required(Perm.PAYMENT_POST)
def online_txn(request: HttpRequest, pk: int) -> HttpResponse:
    """The charge at the counter: the QR code to show, and its status."""
    txn = _txn(request, pk, Perm.PAYMENT_POST)
    return render(request, "billing/online_txn.html", {"txn": txn, "order": txn.repair_order})


@permission_required(Perm.PAYMENT_POST)
@require_POST
def online_txn_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx polls here while the customer is paying: ask the provider, show the status."""
    txn = _txn(request, pk, Perm.PAYMENT_POST)
    online.provider_charge_sync(txn_id=txn.pk)
    txn = _txn(request, pk, Perm.PAYMENT_POST)
    template = "billing/online_txn.html#status" if htmx_partial(request) else "billing/online_txn.html"
    return render(request, template, {"txn": txn, "order": txn.repair_order})


@permission_required(Perm.PAYMENT_POST)
@require_POST
def online_txn_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _txn(request, pk, Perm.PAYMENT_POST)
    run_action(
        request, lambda: online.provider_charge_cancel(actor=request.user, txn=txn),
        success=lambda t: _("Cancelled at the provider.") if t.status == "closed" else None,
    )  # fmt: skip
    return redirect("billing:online_txn", pk=txn.pk)


@permission_required(Perm.PAYMENT_POST)
def online_txn_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code the customer scans, as an SVG image."""
    import segno

    txn = _txn(request, pk, Perm.PAYMENT_POST)
    if not txn.code_url or not txn.is_open:
        raise Http404
    from io import BytesIO

    out = BytesIO()
    segno.make(txn.code_url, error="m").save(out, kind="svg", scale=8, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


@permission_required(Perm.PAYMENT_REVERSE)
@require_POST
def online_refund(request: HttpRequest, pk: int) -> HttpResponse:
    txn = _txn(request, pk, Perm.PAYMENT_REVERSE)
    form = OnlineRefundForm(request.POST)
    posted = post_form(
        request, form,
        lambda data: online.provider_refund(
            actor=request.user, txn=txn, amount=data["amount"], reason=data["reason"], idempotency_key=data["token"]
        ),
        success=lambda result: _("Refunded through %(provider)s.") % {"provider": txn.get_provider_display()},
    )  # fmt: skip
    order = _order(request, txn.repair_order_id, Perm.PAYMENT_REVERSE)
    if posted.ok:
        return redirect("billing:order", pk=order.pk)
    return _order_page(request, order, status=400, online_refund_form=form, online_refund_txn=txn)


@csrf_exempt
@require_POST
def provider_notify(request: HttpRequest, provider: str, account_id: int) -> HttpResponse:
    """The providers call this (no login): a signed notification that a charge
    was paid. A forged or unreadable one is refused with 400 and changes nothing."""
    account = ProviderAccount.objects.filter(pk=account_id, provider=provider).first()
    if account is None:
        raise Http404
    wechat = provider == Provider.WECHAT
    try:
        if wechat:
            txn = online.provider_notification(account=account, headers=request.headers, body=request.body)
        else:
            txn = online.provider_notification(account=account, data=request.POST.dict())
    except (SignatureInvalid, ProviderError, ValueError):
        if wechat:
            return JsonResponse({"code": "FAIL", "message": "signature"}, status=400)
        return HttpResponse("fail", status=400, content_type="text/plain")
    if txn is None:  # signed, but not a trade of ours
        if wechat:
            return JsonResponse({"code": "FAIL", "message": "unknown trade"}, status=404)
        return HttpResponse("fail", status=404, content_type="text/plain")
    return HttpResponse(status=204) if wechat else HttpResponse("success", content_type="text/plain")


# --- the admin's screens ------------------------------------------------------------------


def _managed_store(request: HttpRequest, store_id: int) -> Store:
    return get_object_or_404(Store.objects.for_user(request.user, Perm.STORE_MANAGE), pk=store_id)


@permission_required(Perm.STORE_MANAGE)
def provider_accounts(request: HttpRequest) -> HttpResponse:
    """Every store's WeChat Pay and Alipay accounts (secrets masked)."""
    stores = list(Store.objects.for_user(request.user, Perm.STORE_MANAGE).order_by("name"))
    accounts = {
        (a.store_id, a.provider): a
        for a in ProviderAccount.objects.for_user(request.user, Perm.STORE_MANAGE).select_related("updated_by")
    }
    rows = [(store, [(p, accounts.get((store.pk, p))) for p in Provider.values]) for store in stores]
    return render(request, "billing/provider_accounts.html", {"rows": rows, "providers": Provider})


@permission_required(Perm.STORE_MANAGE)
@require_http_methods(["GET", "POST"])
def provider_account_edit(request: HttpRequest, store_id: int, provider: str) -> HttpResponse:
    store = _managed_store(request, store_id)
    if provider not in Provider.values:
        raise Http404
    account = ProviderAccount.objects.filter(store=store, provider=provider).first()
    form = ProviderAccountForm(
        request.POST or None, instance=account or ProviderAccount(store=store, provider=provider)
    )
    if request.method == "POST":
        posted = post_form(
            request, form,
            lambda data: online.provider_account_save(actor=request.user, store=store, provider=provider, data=data),
            success=_("Payment account saved."),
        )  # fmt: skip
        if posted.ok:
            return redirect("billing:provider_accounts")
    context = {"form": form, "store": store, "provider": Provider(provider), "account": account}
    return render(request, "billing/provider_account_form.html", context, status=400 if form.errors else 200)


@permission_required(Perm.PAYMENT_REVERSE, Perm.STORE_MANAGE)
@require_http_methods(["GET", "POST"])
def reconciliation(request: HttpRequest) -> HttpResponse:
    """The providers' statements against our records, day by day, with every difference."""
    perm = Perm.PAYMENT_REVERSE if request.user.has_perm(Perm.PAYMENT_REVERSE) else Perm.STORE_MANAGE
    if request.method == "GET" and request.GET.get("format") == "xlsx":
        return _differences_xlsx(request, perm)
    form = ReconcileForm(request.POST or None, initial={"day": timezone.localdate() - timedelta(days=1)})
    if request.method == "POST":
        accounts = ProviderAccount.objects.for_user(request.user, perm).filter(is_active=True)

        def run(data):
            found = list(accounts.filter(provider=data["provider"]))
            if not found:
                raise ValidationError({"provider": _("No store of yours has an account with this provider.")})
            for account in found:
                try:
                    online.provider_reconcile(account=account, day=data["day"])
                except ProviderError as error:
                    raise ValidationError(_("The statement could not be fetched: %(e)s") % {"e": error}) from None
            return len(found)

        if post_form(request, form, run, success=_("Statement imported.")).ok:
            return redirect("billing:reconciliation")
    runs = (
        Reconciliation.objects.for_user(request.user, perm)
        .select_related("store")
        .prefetch_related("differences")
        .order_by("-day", "store__name", "provider")[:60]
    )
    return render(request, "billing/reconciliation.html", {"runs": runs, "form": form})


DIFFERENCE_HEADERS = ("对账日", "门店", "支付渠道", "商户订单号", "交易类型", "差异", "渠道金额", "本系统金额")


def _differences_xlsx(request: HttpRequest, perm: str) -> HttpResponse:
    """Every difference of the statements the user may see, oldest day first; `since` and
    `until` (YYYY-MM-DD) narrow the days. Audited as an export."""
    differences = ReconciliationDifference.objects.for_user(request.user, perm).select_related("reconciliation__store")
    bounds = {}
    for name, lookup in (("since", "reconciliation__day__gte"), ("until", "reconciliation__day__lte")):
        if value := request.GET.get(name):
            try:
                bounds[lookup] = iso_day(value)
            except ValueError:
                return HttpResponse(_("Give the day as YYYY-MM-DD."), status=400)
    differences = differences.filter(**bounds).order_by("reconciliation__day", "reconciliation__store_id", "id")
    filters = {name: str(day) for name, day in bounds.items()}
    audit_record(
        actor=request.user, action=AuditEntry.Action.EXPORT, store=request.store,
        object_repr="provider_reconciliation_differences", changes={"filters": [None, filters]},
    )  # fmt: skip
    rows = (
        [d.reconciliation.day, d.reconciliation.store.name, d.reconciliation.get_provider_display(), d.out_trade_no,
         d.get_txn_kind_display(), d.get_kind_display(), d.provider_amount, d.our_amount]
        for d in differences.iterator(chunk_size=1000)
    )  # fmt: skip
    return xlsx_response("reconciliation-differences.xlsx", DIFFERENCE_HEADERS, rows)
