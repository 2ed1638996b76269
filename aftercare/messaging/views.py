"""Pages of the messaging door: the store's message log, the customer's panel on
the 360 page with the send form, templates with preview, provider accounts and
the store's settings for the admin (docs/DOMAIN.md §15.1)."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.masking import mask_phone, mask_text, may_reveal
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import htmx_partial, permission_required, post_form, run_action
from aftercare.customers.models import Customer

from . import selectors, services
from .choices import Channel, Reason, State
from .filters import MessageFilterSet
from .forms import AccountForm, PreviewForm, SendForm, SettingsForm, TemplateForm
from .models import Message, MessageTemplate, ProviderAccount, StoreMessagingSettings


def shown_to(user, message: Message) -> str:
    """The address as `user` may see it (docs/DOMAIN.md §2.7)."""
    if may_reveal(user, message):
        return message.to
    if message.channel in (Channel.SMS, Channel.PHONE):
        return mask_phone(message.to)
    return mask_text(message.to)


def _rows(user, page) -> list[dict]:
    return [{"message": m, "to": shown_to(user, m), "reason": Reason.LABELS.get(m.reason, m.reason)} for m in page]


@permission_required(Perm.CUSTOMER_VIEW)
def log(request: HttpRequest) -> HttpResponse:
    filterset = MessageFilterSet(
        request.GET or None, queryset=selectors.store_messages(request.user), user=request.user
    )
    page = lazy_page(request, filterset.qs.order_by("-created_at", "-id"), per_page=50)
    template = "messaging/log.html#results" if htmx_partial(request) else "messaging/log.html"
    return render(request, template, {"filter": filterset, "page": page, "rows": _rows(request.user, page)})


def _customer(request, pk: int, perm=Perm.CUSTOMER_VIEW) -> Customer:
    return get_object_or_404(Customer.objects.for_user(request.user, perm), pk=pk)


def _panel(request, customer, form=None, status=200) -> HttpResponse:
    can_send = request.user.has_perm(Perm.CUSTOMER_EDIT, customer)
    codes = MessageTemplate.objects.for_user(request.user).values_list("code", flat=True).distinct()
    form = form or SendForm(initial={"nonce": uuid.uuid4().hex}, codes=codes)
    context = {
        "customer": customer,
        "rows": _rows(request.user, selectors.customer_messages(request.user, customer)),
        "refusals": services.refusals(customer),
        "form": form if can_send else None,
        "can_send": can_send,
    }
    return render(request, "messaging/customer_panel.html", context, status=status)


@permission_required(Perm.CUSTOMER_VIEW)
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, _customer(request, pk))


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, Perm.CUSTOMER_EDIT)
    codes = MessageTemplate.objects.for_user(request.user).values_list("code", flat=True).distinct()
    form = SendForm(request.POST, codes=codes)

    def call(data):
        if not request.user.has_perm(Perm.CUSTOMER_EDIT, customer):
            raise PermissionDenied
        return services.message_send(
            store=customer.store, customer=customer, purpose=data["purpose"], template_code=data["template_code"],
            channel=data["channel"] or None, actor=request.user, context={"note": data["note"]},
            dedupe_key=f"staff:{customer.pk}:{data['nonce']}",
        )  # fmt: skip

    def said(message):
        if message.state == State.CANCELLED:
            return _("Not sent: %(reason)s") % {"reason": Reason.LABELS.get(message.reason, message.reason)}
        return _("Message queued.") if message.state == State.QUEUED else _("Message held until the quiet hours end.")

    outcome = post_form(request, form, call, success=said)
    if outcome and htmx_partial(request):
        return _panel(request, customer)
    if not outcome:
        return _panel(request, customer, form=form, status=422)
    return redirect("customers:customer_detail", customer.pk)


@permission_required(Perm.CUSTOMER_EDIT)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(Message.objects.for_user(request.user, Perm.CUSTOMER_EDIT), pk=pk)
    run_action(request, lambda: services.message_cancel(actor=request.user, message=message),
               success=_("Message cancelled."))  # fmt: skip
    if htmx_partial(request):
        return _panel(request, message.customer)
    return redirect(request.POST.get("next") or "messaging:log")


# --- templates --------------------------------------------------------------------------------


def _admin_store(request) -> Store:
    stores = Store.objects.for_user(request.user, Perm.STORE_MANAGE)
    wanted = request.GET.get("store") or request.POST.get("store")
    if wanted and str(wanted).isdigit():
        return get_object_or_404(stores, pk=int(wanted))
    store = stores.order_by("pk").first()
    if store is None:
        raise PermissionDenied
    return store


@permission_required(Perm.STORE_MANAGE)
def templates(request: HttpRequest) -> HttpResponse:
    store = _admin_store(request)
    rows = (
        MessageTemplate.objects.for_user(request.user, Perm.STORE_MANAGE)
        .filter(Q(store__isnull=True) | Q(store=store))
        .order_by("code", "channel", "store_id")
    )
    listed = [{"template": t, **selectors.preview(t.text, selectors.SAMPLE_CONTEXT)} for t in rows]
    stores = Store.objects.for_user(request.user, Perm.STORE_MANAGE)
    return render(request, "messaging/templates.html", {"store": store, "rows": listed, "stores": stores})


@permission_required(Perm.STORE_MANAGE)
def template_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    store = _admin_store(request)
    template = None
    if pk is not None:
        template = get_object_or_404(MessageTemplate.objects.for_user(request.user, Perm.STORE_MANAGE), pk=pk)
        if template.store_id is None:
            # A default is copied into the store's own template, which overrides it.
            template.pk, template.store, template.group = None, store, store.group
    else:
        template = MessageTemplate(store=store, group=store.group)
    form = TemplateForm(request.POST or None, instance=template)
    if request.method == "POST":
        form.instance.store, form.instance.group = store, store.group
        if post_form(request, form, lambda data: services.template_save(actor=request.user, template=form.instance),
                     success=_("Template saved.")):  # fmt: skip
            return redirect(f"{_url('messaging:templates')}?store={store.pk}")
    preview = selectors.preview(form["text"].value() or "", selectors.SAMPLE_CONTEXT)
    return render(request, "messaging/template_form.html", {"form": form, "store": store, "preview": preview})


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@permission_required(Perm.STORE_MANAGE)
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    form = PreviewForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    return render(request, "messaging/template_form.html#preview",
                  {"preview": selectors.preview(text, selectors.SAMPLE_CONTEXT)})  # fmt: skip


# --- provider accounts and settings ---------------------------------------------------------


@permission_required(Perm.STORE_MANAGE)
def accounts(request: HttpRequest) -> HttpResponse:
    rows = ProviderAccount.objects.for_user(request.user, Perm.STORE_MANAGE).select_related("store")
    listed = [{"account": a, "config": services.masked_config(a.config)} for a in rows]
    return render(request, "messaging/accounts.html", {"rows": listed})


@permission_required(Perm.STORE_MANAGE)
def account_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        account = ProviderAccount(store=_admin_store(request))
    else:
        account = get_object_or_404(ProviderAccount.objects.for_user(request.user, Perm.STORE_MANAGE), pk=pk)
    initial = {
        "channel": account.channel, "provider": account.provider, "priority": account.priority,
        "is_active": account.is_active,
        "config": "\n".join(f"{k}={v}" for k, v in services.masked_config(account.config).items()),
    }  # fmt: skip
    form = AccountForm(request.POST or None, initial=initial)
    if request.method == "POST":

        def call(data):
            account.channel, account.provider = data["channel"], data["provider"]
            account.priority, account.is_active = data["priority"], data["is_active"]
            return services.provider_account_save(actor=request.user, account=account, config=data["config"])

        if post_form(request, form, call, success=_("Provider account saved.")):
            return redirect("messaging:accounts")
    return render(request, "messaging/account_form.html", {"form": form, "account": account})


@permission_required(Perm.STORE_MANAGE)
def store_settings(request: HttpRequest) -> HttpResponse:
    store = _admin_store(request)
    row = StoreMessagingSettings.objects.filter(store=store).first() or StoreMessagingSettings(store=store)
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and post_form(
        request, form, lambda data: services.settings_save(actor=request.user, row=form.instance),
        success=_("Messaging settings saved."),
    ):  # fmt: skip
        return redirect(f"{_url('messaging:settings')}?store={store.pk}")
    return render(request, "messaging/settings.html", {"form": form, "store": store})
