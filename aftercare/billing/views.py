"""Cash desk and delivery pages. Thin: parse the form, call a service or a
selector, render or redirect."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from aftercare.core.marks import customer_badges
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required, post_form, run_action
from aftercare.service.models import RepairOrder
from aftercare.service.selectors import mark_lines

from . import selectors, services
from .forms import DeliveryForm, PaymentForm, ReasonForm, RefundForm, form_token
from .models import Payment

LIST_LIMIT = 100


def _order(request: HttpRequest, pk: int, perm: str) -> RepairOrder:
    orders = RepairOrder.objects.for_user(request.user, perm).select_related(
        "store", "customer", "vehicle", "advisor", "repair_type"
    )
    return get_object_or_404(orders, pk=pk)


def _back(request: HttpRequest, order: RepairOrder) -> HttpResponse:
    target = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("billing:order", args=[order.pk])
    return redirect(target)


@permission_required(Perm.PAYMENT_POST)
def cashier(request: HttpRequest) -> HttpResponse:
    """The cash desk: today's takings, orders ready to settle, and who still owes (未付款)."""
    payments = list(selectors.payments_of_day(request.user)[:LIST_LIMIT])
    ready = selectors.with_money_rounded(selectors.orders_ready_to_settle(request.user)[:LIST_LIMIT])
    unpaid = selectors.with_money_rounded(selectors.orders_unpaid(request.user)[:LIST_LIMIT])
    return render(
        request,
        "billing/cashier.html",
        {
            "payments": payments,
            "totals": selectors.day_totals(payments),
            "ready": ready,
            "unpaid": unpaid,
            "online": list(selectors.provider_charges_needing_attention(request.user)[:LIST_LIMIT]),
            # A VIC card (core.marks) beside each customer, one query for the page.
            "customer_badges": customer_badges(o.customer_id for o in [*ready, *unpaid]),
        },
    )


def _order_page(request: HttpRequest, order: RepairOrder, status: int = 200, **forms) -> HttpResponse:
    online_forms = {name: forms.pop(name) for name in list(forms) if name.startswith("online_")}
    online = selectors.online_panel(request.user, order, **online_forms)
    return render(request, "billing/order.html", {"order": order, "online": online, **forms}, status=status)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_billing(request: HttpRequest, pk: int) -> HttpResponse:
    """One order at the cash desk: the statement, its payments and the controls."""
    return _order_page(request, _order(request, pk, Perm.REPAIR_ORDER_VIEW))


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The settlement panel alone, as the order is now: the repair order's page reloads it
    whenever the order changes (service.choices.RO_CHANGED). Its forms return to the page
    the panel is on."""
    order = _order(request, pk, Perm.REPAIR_ORDER_VIEW)
    page = urlsplit(request.headers.get("HX-Current-URL", ""))
    back = page.path + (f"?{page.query}" if page.query else "")
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("service:repair_order_detail", args=[order.pk])
    return render(request, "service/_billing_panel.html", {"order": order, "panel_next": back})


def _money_post(
    request: HttpRequest, order: RepairOrder, form, post, message: str, form_key: str, kind: str
) -> HttpResponse:
    """Post a payment or a refund from its form. The form's hidden token is the
    idempotency key (forms.form_token), so a double click, a resubmitted page
    or Back and submit again posts once, and says so the second time. Success
    redirects (Post/Redirect/Get): a reload then asks for the page, not the post."""

    def call(data):
        fields = dict(data)
        token = fields.pop("token")
        return post(actor=request.user, order=order, idempotency_key=token, **fields)

    def success(result):
        record, created = result
        if created:
            return message % {"number": record.number}
        return _("%(number)s was already posted from this form; nothing was posted again.") % {"number": record.number}

    if post_form(request, form, call, success=success).ok:
        return _back(request, order)
    # Shown again with the key of the order as it stands now: if money moved
    # since the form was issued (its key is spent), what is sent next is a new request.
    form.data = form.data.copy()
    form.data["token"] = form_token(kind, order, selectors.settlement_for(order))
    return _order_page(request, order, status=400, **{form_key: form})


@permission_required(Perm.PAYMENT_POST)
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, Perm.PAYMENT_POST)
    return _money_post(
        request, order, PaymentForm(request.POST), services.payment_post,
        _("Payment %(number)s posted."), "pay_form", "pay",
    )  # fmt: skip


@permission_required(Perm.PAYMENT_REVERSE)
@require_POST
def refund(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, Perm.PAYMENT_REVERSE)
    return _money_post(
        request, order, RefundForm(request.POST), services.payment_refund,
        _("Refund %(number)s posted."), "refund_form", "refund",
    )  # fmt: skip


@permission_required(Perm.PAYMENT_REVERSE)
@require_POST
def reverse_payment(request: HttpRequest, pk: int) -> HttpResponse:
    payment = get_object_or_404(Payment.objects.for_user(request.user, Perm.PAYMENT_REVERSE), pk=pk)
    order = _order(request, payment.repair_order_id, Perm.PAYMENT_REVERSE)
    form = ReasonForm(request.POST)
    posted = post_form(
        request, form,
        lambda data: services.payment_reverse(actor=request.user, payment=payment, reason=data["reason"]),
        success=lambda reversal: _("Reversal %(number)s posted.") % {"number": reversal.number},
    )  # fmt: skip
    if posted.ok:
        return _back(request, order)
    return _order_page(request, order, status=400, reverse_form=form, reverse_payment=payment)


@permission_required(Perm.CREDIT_APPROVE)
@require_POST
def credit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, Perm.CREDIT_APPROVE)
    form = ReasonForm(request.POST, prefix="credit")

    def approve(data):
        return services.credit_approve(actor=request.user, order=order, reason=data["reason"])

    if post_form(request, form, approve, success=_("Credit approved.")).ok:
        return _back(request, order)
    return _order_page(request, order, status=400, credit_form=form)


@permission_required(Perm.PAYMENT_POST)
@require_POST
def settle(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk, Perm.PAYMENT_POST)
    run_action(request, lambda: services.repair_order_settle(actor=request.user, order=order),
               success=_("Repair order settled."))  # fmt: skip
    return _back(request, order)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The settlement statement (结算单) as an A4 page for the browser's print."""
    order = _order(request, pk, Perm.REPAIR_ORDER_VIEW)
    return render(request, "billing/print_statement.html", {"order": order, "bill": _marked_settlement(order)})


def _marked_settlement(order: RepairOrder) -> selectors.Settlement:
    """The statement with each line's marks (套餐卡抵扣) from the readers the spine holds."""
    bill = selectors.settlement_for(order)
    mark_lines(order, [*bill.labour, *bill.parts, *bill.other, *bill.discount_lines])
    return bill


def _delivery_context(order: RepairOrder) -> dict:
    delivery = getattr(order, "delivery", None)
    # A delivered car: the next maintenance the signed sheet recorded (the advisor's, or the cycle's).
    if delivery is not None:
        next_date, next_km = delivery.next_service_date, delivery.next_service_km
        day = timezone.localdate(delivery.delivered_at)
    else:
        day = timezone.localdate()
        next_date, next_km = selectors.next_service_after(order, today=day)
    return {
        "order": order,
        "bill": _marked_settlement(order),
        "next_service_date": next_date,
        "next_service_km": next_km,
        "service_due_now": selectors.service_due_now(order, next_date, next_km, day),
        "delivery": delivery,
    }


@permission_required(Perm.REPAIR_ORDER_EDIT)
@require_http_methods(["GET", "POST"])
def delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """交车: explain the work, the old parts, the next maintenance and the
    follow-up call; the customer signs on the tablet."""
    order = _order(request, pk, Perm.REPAIR_ORDER_EDIT)
    form = DeliveryForm(request.POST or None)
    status = 200

    def deliver(data):
        return services.repair_order_deliver(actor=request.user, order=order, signature=data["signature"])

    if request.method == "POST":
        if post_form(request, form, deliver, success=_("The car has been delivered.")).ok:
            return redirect("billing:delivery_sheet", pk=order.pk)
        status = 400
    return render(request, "billing/delivery.html", {**_delivery_context(order), "form": form}, status=status)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def delivery_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The delivery sheet (交车单) as an A4 page for the browser's print."""
    order = _order(request, pk, Perm.REPAIR_ORDER_VIEW)
    return render(request, "billing/print_delivery.html", _delivery_context(order))


# --- invoices the customers asked for (docs/DOMAIN.md §21.7) ----------------------------------


@permission_required(Perm.PAYMENT_POST)
def invoices(request: HttpRequest) -> HttpResponse:
    """The invoice requests of the user's stores: the open ones first, each with its issue form."""
    from .forms import InvoiceIssueForm
    from .models import InvoiceRequest

    show = "issued" if request.GET.get("status") == "issued" else "requested"
    rows = list(
        InvoiceRequest.objects.for_user(request.user, Perm.PAYMENT_POST)
        .filter(status=show)
        .select_related("repair_order__vehicle", "repair_order__customer", "issued_by")
        .order_by("requested_at" if show == "requested" else "-issued_at", "id")[:LIST_LIMIT]
    )
    if show == "requested":
        for row in rows:
            row.form = InvoiceIssueForm(prefix=f"i{row.pk}", initial={"invoice_date": timezone.localdate()})
    return render(request, "billing/invoices.html", {"rows": rows, "show": show})


@permission_required(Perm.PAYMENT_POST)
@require_POST
def invoice_issue(request: HttpRequest, pk: int) -> HttpResponse:
    from . import invoices as invoice_services
    from .forms import InvoiceIssueForm
    from .models import InvoiceRequest

    invoice = get_object_or_404(InvoiceRequest.objects.for_user(request.user, Perm.PAYMENT_POST), pk=pk)
    form = InvoiceIssueForm(request.POST, request.FILES, prefix=f"i{invoice.pk}")
    posted = post_form(
        request, form,
        lambda data: invoice_services.invoice_issue(
            actor=request.user, invoice=invoice, number=data["invoice_number"], day=data["invoice_date"],
            pdf=data.get("pdf"),
        ),
        success=_("Invoice recorded as issued; the customer sees it on the phone."),
    )  # fmt: skip
    if not posted.ok:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {error}".strip())
    return redirect("billing:invoices")
