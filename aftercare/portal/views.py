"""The customer's phone (no login: the link is the key) and the staff's link panel
(docs/DOMAIN.md §15.2)."""

import io
import mimetypes

import segno
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aftercare.appointments.selectors import local_datetime
from aftercare.core.dates import parse_day
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required, post_form, run_action
from aftercare.core.workflow import TransitionRefused
from aftercare.customers.models import Customer
from aftercare.service.models import Photo, RepairOrder

from . import selectors, services
from .choices import ORDER_PURPOSES, Purpose
from .forms import BookForm, DecisionsForm, InvoiceForm, IssueForm, PayForm, SignatureForm
from .models import PortalLink

ISSUED = "portal_issued"  # the session's last issued link, shown once with its QR code


# --- the customer's pages --------------------------------------------------------------


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    return page_response(request, f"portal/{template}", context, status=status)


def page_response(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    """A customer's page served through a link (the portal's own, or another app's registered
    with register_link_page)."""
    response = render(request, template, context, status=status)
    # Personal pages behind a secret address: no cache keeps them, and the address goes to
    # no other site as a referrer ("no-referrer" would make the browser's own form posts
    # arrive with Origin: null, which the CSRF check refuses).
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


def _linked(request: HttpRequest, token: str, purpose: str | None = None) -> tuple[PortalLink | None, HttpResponse]:
    try:
        link = services.link_open(token)
    except services.LinkRefused as refused:
        status = {"expired": 410, "revoked": 410}.get(refused.reason, 404)
        return None, _page(request, "refused.html", {"reason": refused.reason}, status=status)
    if purpose is not None and link.purpose != purpose:
        return None, _page(request, "refused.html", {"reason": "invalid"}, status=404)
    return link, None


def _client(request: HttpRequest) -> tuple[str | None, str]:
    return request.META.get("REMOTE_ADDR") or None, request.META.get("HTTP_USER_AGENT", "")[:300]


def open_link(request: HttpRequest, token: str) -> HttpResponse:
    """Where a link lands: the page of its purpose."""
    link, refused = _linked(request, token)
    if refused:
        return refused
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer}
    if link.purpose == Purpose.PROGRESS:
        data = selectors.order_progress(link)
        keys = {p: services.pay_key(link, data["order"], p) for p in data["providers"]}
        return _page(request, "progress.html", {**context, **data, "pay_keys": keys})
    if link.purpose == Purpose.APPROVE:
        return _approval_page(request, link, context)
    if link.purpose == Purpose.BOOK:
        return _booking_page(request, link, context)
    if (page := services.link_page(link.purpose)) is not None:
        return page(request, link, token, context)
    data = selectors.customer_history(link)
    for order in data["orders"]:
        order.pay_keys = {p: services.pay_key(link, order, p) for p in data["providers"]} if order.payable else {}
    return _page(request, "history.html", {**context, **data})


def _approval_page(request, link, context, form=None, status=200) -> HttpResponse:
    data = selectors.order_for_approval(link)
    form = form or DecisionsForm(lines=data["proposed"])
    rows = [(line, form[f"line_{line.pk}"]) for line in data["proposed"]]
    return _page(request, "approve.html", {**context, **data, "form": form, "rows": rows}, status=status)


@require_POST
def decide(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's signed decisions on the proposed work."""
    link, refused = _linked(request, token, Purpose.APPROVE)
    if refused:
        return refused
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer}
    proposed = selectors.order_for_approval(link)["proposed"]
    form = DecisionsForm(request.POST, lines=proposed)
    if form.is_valid():
        ip_address, user_agent = _client(request)
        try:
            services.decisions_record(
                link=link, decisions=form.decisions(), signature=form.cleaned_data["signature"],
                ip_address=ip_address, user_agent=user_agent,
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, _("Thank you: your decision has been recorded."))
            return redirect("portal_public:open", token=token)
    return _approval_page(request, link, context, form=form, status=400)


@require_POST
def authorise(request: HttpRequest, token: str) -> HttpResponse:
    """The customer authorises the estimate, signed."""
    link, refused = _linked(request, token, Purpose.APPROVE)
    if refused:
        return refused
    form = SignatureForm(request.POST)
    signature = form.cleaned_data["signature"] if form.is_valid() else ""
    run_action(
        request, lambda: services.estimate_authorise(link=link, signature=signature),
        success=_("Thank you: the estimate is authorised."),
    )  # fmt: skip
    return redirect("portal_public:open", token=token)


def photo(request: HttpRequest, token: str, photo_pk: int) -> HttpResponse:
    """A photo of a finding on the link's order, only through that link."""
    link, refused = _linked(request, token, Purpose.APPROVE)
    if refused:
        return refused
    picture = get_object_or_404(Photo.objects.filter(repair_order_id=link.repair_order_id), pk=photo_pk)
    try:
        handle = picture.image.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = mimetypes.guess_type(picture.image.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


def _booking_page(request, link, context, form=None, status=200) -> HttpResponse:
    today = timezone.localdate()
    default = timezone.localdate(link.appointment.start_at) if link.appointment else today
    day = max(parse_day(request.GET.get("day"), default), today)
    vehicles = list(link.customer.vehicles.filter(is_active=True).order_by("plate"))
    services_offered = selectors.booking_services(vehicles)
    service = request.POST.get("service") or request.GET.get("service") or ""
    service = service if service in dict(services_offered) and link.appointment is None else ""
    form = form or BookForm(vehicles=vehicles, services=services_offered, initial={"day": day, "service": service})
    return _page(
        request,
        "book.html",
        {**context, "day": day, "starts": selectors.free_starts(link, day, service=service), "form": form,
         "vehicles": vehicles, "services": services_offered, "service": service,
         "appointments": selectors.upcoming_appointments(link), "appointment": link.appointment},
        status=status,
    )  # fmt: skip


@require_POST
def book(request: HttpRequest, token: str) -> HttpResponse:
    """Book, or move the link's booking to, a free time."""
    link, refused = _linked(request, token, Purpose.BOOK)
    if refused:
        return refused
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer}
    vehicles = list(link.customer.vehicles.filter(is_active=True))
    form = BookForm(request.POST, vehicles=vehicles, services=selectors.booking_services(vehicles))
    if form.is_valid():
        data = form.cleaned_data
        try:
            start_at = local_datetime(data["day"], data["start"])
        except ValueError:
            form.add_error("start", _("Choose a time."))
        else:
            try:
                if link.appointment is not None:
                    services.booking_move(link=link, start_at=start_at)
                else:
                    vehicle = next((v for v in vehicles if v.pk == data["vehicle"]), None)
                    if vehicle is None:
                        raise ValidationError({"vehicle": _("Choose your vehicle.")})
                    services.booking_make(
                        link=link, vehicle=vehicle, start_at=start_at, complaint=data["complaint"],
                        service=data["service"], address=data["address"],
                    )  # fmt: skip
            except (ValidationError, TransitionRefused) as error:
                form.add_error(None, getattr(error, "messages", None) or str(error))
            else:
                messages.success(
                    request,
                    _("Your appointment is booked for %(when)s.")
                    % {"when": timezone.localtime(start_at).strftime("%Y-%m-%d %H:%M")},
                )
                return redirect("portal_public:open", token=token)
    return _booking_page(request, link, context, form=form, status=400)


@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    link, refused = _linked(request, token, Purpose.BOOK)
    if refused:
        return refused
    run_action(request, lambda: services.booking_cancel(link=link), success=_("Your appointment is cancelled."))
    return redirect("portal_public:open", token=token)


# --- money: pay the balance, the statement, the invoice (billing's services) ------------


def _money_order(request, token: str, pk: int):
    """The link (progress or history) and one of its customer's orders, or a refusal page."""
    link, refused = _linked(request, token)
    if refused:
        return None, None, refused
    try:
        order = selectors.customer_order(link, pk)
    except RepairOrder.DoesNotExist:
        return None, None, _page(request, "refused.html", {"reason": "invalid"}, status=404)
    return link, order, None


@require_POST
def pay(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """Pay what the order still owes: billing starts the charge and the phone goes on to the
    provider's page, which sends the customer back to the payment page."""
    from aftercare.billing.models import ProviderAccount
    from aftercare.billing.selectors import phone_balance

    link, order, refused = _money_order(request, token, pk)
    if refused:
        return refused
    form = PayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose WeChat Pay or Alipay."))
        return redirect("portal_public:open", token=token)
    provider = form.cleaned_data["provider"]
    order.due, order.waiting_now = phone_balance(order)
    key = form.cleaned_data["key"] or services.pay_key(link, order, provider)
    account = ProviderAccount.objects.filter(store_id=order.store_id, provider=provider, is_active=True).first()
    back = request.build_absolute_uri(reverse("portal_public:payment", args=[token, order.pk]))
    try:
        txn, _created = services.balance_pay(
            link=link, order=order, provider=provider, key=f"{key}"[:100], return_url=back,
            notify_url=request.build_absolute_uri(
                reverse("billing:provider_notify", args=[provider, account.pk])) if account else "",
            client_ip=_client(request)[0],
        )  # fmt: skip
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("portal_public:open", token=token)
    target = reverse("portal_public:payment", args=[token, order.pk])
    # On to the provider's page from our own payment page (its link and a refresh), not by a
    # redirect of this form post: the pages' CSP allows form posts to this site only.
    return redirect(f"{target}?go=1" if txn.is_open and txn.code_url else target)


def payment(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """Where the provider sends the customer back: the charge's state, asked about while it
    waits; the page reloads itself every few seconds until it is paid or over."""
    link, order, refused = _money_order(request, token, pk)
    if refused:
        return refused
    txn = services.payment_follow(link=link, order=order)
    if txn is not None and txn.status == "paid":
        order = selectors.customer_order(link, pk)
    money = selectors.payable(order)
    providers = money["providers"]
    if txn is not None and txn.is_open:
        # Back from the provider's page without paying: the other provider may be chosen instead.
        from aftercare.billing.selectors import phone_providers

        providers = [p for p in phone_providers(order.store_id) if p != txn.provider]
    keys = {p: services.pay_key(link, order, p) for p in providers}
    go = request.GET.get("go") == "1" and txn is not None and txn.is_open and bool(txn.code_url)
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer, "order": order,
               "txn": txn, "pay_keys": keys, "go": go, **money}  # fmt: skip
    return _page(request, "payment.html", context)


def statement(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The order's settlement statement (结算单) on the phone, and its invoice."""
    from aftercare.billing.selectors import settlement_for

    link, order, refused = _money_order(request, token, pk)
    if refused:
        return refused
    invoice = getattr(order, "invoice_request", None)
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer, "order": order,
               "bill": settlement_for(order), "invoice": invoice}  # fmt: skip
    return _page(request, "statement.html", context)


@require_http_methods(["GET", "POST"])
def invoice(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """Ask for the order's invoice (or correct the request until it is issued)."""
    from aftercare.billing.invoices import INVOICEABLE

    link, order, refused = _money_order(request, token, pk)
    if refused:
        return refused
    current = getattr(order, "invoice_request", None)
    initial = (
        {"kind": current.kind, "title": current.title, "tax_number": current.tax_number, "email": current.email}
        if current else {"title": link.customer.name}
    )  # fmt: skip
    form = InvoiceForm(request.POST or None, initial=initial)
    if request.method == "POST":
        posted = post_form(
            request, form, lambda data: services.invoice_ask(link=link, order=order, data=data),
            success=_("Your invoice request is recorded; the store will issue it."),
        )  # fmt: skip
        if posted.ok:
            return redirect("portal_public:statement", token=token, pk=order.pk)
    context = {"link": link, "token": token, "store": link.store, "customer": link.customer, "order": order,
               "form": form, "invoice": current, "open": order.status in INVOICEABLE}  # fmt: skip
    return _page(request, "invoice.html", context, status=400 if form.errors else 200)


def invoice_pdf(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """The issued invoice's PDF, only through the customer's link."""
    _link, order, refused = _money_order(request, token, pk)
    if refused:
        return refused
    current = getattr(order, "invoice_request", None)
    if current is None or not current.pdf:
        raise Http404
    try:
        handle = current.pdf.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="application/pdf", filename=f"{current.invoice_number}.pdf")
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff: issue, show once, revoke --------------------------------------------------


def _subject(request, perm=Perm.CUSTOMER_VIEW) -> tuple[Customer, RepairOrder | None]:
    """The customer (and order) the panel is for, within the user's stores (404 outside)."""
    order_pk, customer_pk = request.GET.get("order") or request.POST.get("order"), (
        request.GET.get("customer") or request.POST.get("customer"))  # fmt: skip
    if order_pk:
        if not str(order_pk).isdigit():
            raise Http404
        order = get_object_or_404(
            RepairOrder.objects.for_user(request.user, perm).select_related("customer__store"), pk=order_pk
        )
        return order.customer, order
    if not customer_pk or not str(customer_pk).isdigit():
        raise Http404
    customers = Customer.objects.for_user(request.user, perm).select_related("store")
    return get_object_or_404(customers, pk=customer_pk), None


def _panel(request, customer, order, status=200) -> HttpResponse:
    purposes = ORDER_PURPOSES if order is not None else (Purpose.BOOK, Purpose.HISTORY)
    issued = request.session.get(ISSUED)
    return render(
        request,
        "portal/_links_panel.html",
        {"customer": customer, "order": order, "now": timezone.now(),
         "links": selectors.links_for(request.user, customer=customer, repair_order=order),
         "form": IssueForm(), "purposes": [(p, Purpose(p).label) for p in purposes],
         "issued": issued if issued and issued.get("customer") == customer.pk else None},
        status=status,
    )  # fmt: skip


@permission_required(Perm.CUSTOMER_VIEW)
@require_GET
def links_panel(request: HttpRequest) -> HttpResponse:
    customer, order = _subject(request)
    return _panel(request, customer, order)


@permission_required(Perm.REPAIR_ORDER_EDIT, Perm.APPOINTMENT_EDIT, Perm.CUSTOMER_EDIT)
@require_POST
def link_issue(request: HttpRequest) -> HttpResponse:
    customer, order = _subject(request)
    form = IssueForm(request.POST)

    def issue():
        if not form.is_valid():
            raise ValidationError(_("Choose what the link is for."))
        purpose = form.cleaned_data["purpose"]
        link, token = services.link_issue(
            actor=request.user, customer=customer, purpose=purpose,
            repair_order=order if purpose in ORDER_PURPOSES else None,
        )  # fmt: skip
        url = services.link_url(token)
        request.session[ISSUED] = {"customer": customer.pk, "link": link.pk, "url": url}
        return link

    run_action(request, issue, success=_("Link issued: show the QR code or send it to the customer."))
    return _panel(request, customer, order)


@permission_required(Perm.REPAIR_ORDER_EDIT, Perm.APPOINTMENT_EDIT, Perm.CUSTOMER_EDIT)
@require_POST
def link_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    link = get_object_or_404(PortalLink.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
    run_action(request, lambda: services.link_revoke(actor=request.user, link=link), success=_("Link revoked."))
    return _panel(request, link.customer, link.repair_order if link.purpose in ORDER_PURPOSES else None)


@permission_required(Perm.REPAIR_ORDER_EDIT, Perm.APPOINTMENT_EDIT, Perm.CUSTOMER_EDIT)
@require_POST
def issued_send(request: HttpRequest) -> HttpResponse:
    """Send the session's just-issued link to its customer through the messaging door."""
    issued = request.session.get(ISSUED)
    if not issued:
        raise Http404
    link = get_object_or_404(
        PortalLink.objects.for_user(request.user, Perm.CUSTOMER_VIEW).select_related("store", "customer"),
        pk=issued["link"],
    )
    run_action(
        request,
        lambda: services.link_send(actor=request.user, link=link, url=issued["url"]),
        success=_("The link is on its way to the customer (see the message log)."),
    )
    return _panel(request, link.customer, link.repair_order if link.purpose in ORDER_PURPOSES else None)


def _svg(text: str) -> HttpResponse:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=5, border=2, xmldecl=False)
    answer = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    answer["Cache-Control"] = "no-store"  # a personal link
    return answer


@permission_required(Perm.CUSTOMER_VIEW)
@require_GET
def issued_qr(request: HttpRequest) -> HttpResponse:
    """The session's just-issued link as a QR code: only that link, no QR maker for any text."""
    issued = request.session.get(ISSUED)
    if not issued:
        raise Http404
    get_object_or_404(PortalLink.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=issued["link"])
    return _svg(issued["url"])


PRINT_PURPOSES = {"estimate": Purpose.APPROVE, "check_in": Purpose.PROGRESS, "delivery": Purpose.HISTORY}


@permission_required(Perm.REPAIR_ORDER_VIEW)
@require_GET
def print_qr(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    """The QR code printed on the estimate (approve), the check-in sheet (progress) and the
    delivery sheet (history): each print issues a fresh link, since a link's token is
    never stored. The printing user needs the right to issue it; otherwise no code."""
    if document not in PRINT_PURPOSES:
        raise Http404
    order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW), pk=pk)
    purpose = PRINT_PURPOSES[document]
    try:
        _link, token = services.link_issue(
            actor=request.user, customer=order.customer, purpose=purpose,
            repair_order=order if purpose in ORDER_PURPOSES else None,
        )  # fmt: skip
    except (ValidationError, PermissionDenied) as error:
        raise Http404 from error
    return _svg(services.link_url(token))
