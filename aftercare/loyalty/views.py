"""Loyalty pages: the customer's cards, balances and ledger (360), the cash
desk's card actions on an order, the printable statement and the manager's
liabilities. Thin: parse the form, call a service or a selector, render or redirect."""

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.billing.services import payment_post
from aftercare.core.audit import audit_record
from aftercare.core.exports import xlsx_response
from aftercare.core.models import AuditEntry
from aftercare.core.permissions import Perm
from aftercare.core.views import permission_required, post_form, run_action
from aftercare.customers.models import Customer
from aftercare.service.models import RepairOrder

from . import selectors, services
from .choices import TIER_ORDER
from .forms import (
    CardRefundForm,
    CouponTemplateForm,
    IssueCardForm,
    PackageSaleForm,
    RedeemForm,
    StoredValuePayForm,
    TierRuleForm,
    TopUpForm,
    TopUpRuleForm,
    form_token,
)
from .models import Coupon, CouponTemplate, MemberCard, PackageCard, TierRule, TopUpRule


def _customer(request: HttpRequest, pk: int, perm: str = Perm.CUSTOMER_VIEW) -> Customer:
    return get_object_or_404(Customer.objects.for_user(request.user, perm).select_related("store"), pk=pk)


def _card(request: HttpRequest, pk: int, perm: str = Perm.CUSTOMER_VIEW) -> MemberCard:
    cards = MemberCard.objects.for_user(request.user, perm).select_related("customer", "store")
    return get_object_or_404(cards, pk=pk)


def _forms(customer, **bound):
    def token(kind):
        return {"token": form_token(kind, customer.pk)}

    forms = {
        "issue_form": IssueCardForm(),
        "top_up_form": TopUpForm(initial=token("top-up")),
        "refund_form": CardRefundForm(initial=token("refund")),
        "package_form": PackageSaleForm(initial=token("package")),
        "redeem_form": RedeemForm(initial=token("redeem")),
    }
    forms.update(bound)
    return forms


def _customer_page(request, customer, status=200, **bound) -> HttpResponse:
    context = {"customer": customer, **selectors.customer_loyalty(customer), **_forms(customer, **bound)}
    return render(request, "loyalty/customer.html", context, status=status)


@permission_required(Perm.CUSTOMER_VIEW)
def customer(request: HttpRequest, pk: int) -> HttpResponse:
    """Customer 360 for loyalty: card and tier, balances, package cards, coupons and the ledger."""
    return _customer_page(request, _customer(request, pk))


@permission_required(Perm.PAYMENT_POST)
@require_POST
def issue_card(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, Perm.PAYMENT_POST)
    form = IssueCardForm(request.POST)
    posted = post_form(
        request,
        form,
        lambda data: services.member_card_issue(actor=request.user, customer=customer, number=data["number"]),
        success=lambda card: _("Member card %(number)s issued.") % {"number": card.number},
    )
    if posted.ok:
        return redirect("loyalty:customer", customer.pk)
    return _customer_page(request, customer, status=400, issue_form=form)


def _keyed_post(request, customer, form, form_key, call, message):
    def run(data):
        fields = dict(data)
        return call(fields.pop("token"), fields)

    def success(result):
        record, created = result
        return message % {"number": record.number} if created else None

    if post_form(request, form, run, success=success).ok:
        return redirect("loyalty:customer", customer.pk)
    return _customer_page(request, customer, status=400, **{form_key: form})


@permission_required(Perm.PAYMENT_POST)
@require_POST
def top_up(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk, Perm.CUSTOMER_VIEW)
    return _keyed_post(
        request, card.customer, TopUpForm(request.POST), "top_up_form",
        lambda token, data: services.stored_value_top_up(
            actor=request.user, card=card, store=request.store, amount=data["amount"], method=data["method"],
            reference=data["reference"], idempotency_key=token,
        ),
        _("Top-up %(number)s posted."),
    )  # fmt: skip


@permission_required(Perm.PAYMENT_REVERSE)
@require_POST
def refund_card(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk, Perm.CUSTOMER_VIEW)
    return _keyed_post(
        request, card.customer, CardRefundForm(request.POST), "refund_form",
        lambda token, data: services.stored_value_refund(
            actor=request.user, card=card, store=request.store, amount=data["amount"], method=data["method"],
            reason=data["reason"], idempotency_key=token,
        ),
        _("Refund %(number)s posted."),
    )  # fmt: skip


@permission_required(Perm.PAYMENT_POST)
@require_POST
def redeem(request: HttpRequest, pk: int) -> HttpResponse:
    card = _card(request, pk, Perm.CUSTOMER_VIEW)
    return _keyed_post(
        request, card.customer, RedeemForm(request.POST), "redeem_form",
        lambda token, data: services.points_redeem(
            actor=request.user, card=card, store=request.store, points=data["points"], note=data["note"],
            idempotency_key=token,
        ),
        _("Redemption %(number)s posted."),
    )  # fmt: skip


@permission_required(Perm.PAYMENT_POST)
@require_POST
def sell_package(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, Perm.PAYMENT_POST)
    return _keyed_post(
        request, customer, PackageSaleForm(request.POST), "package_form",
        lambda token, data: services.package_card_sell(
            actor=request.user, customer=customer, store=request.store, name=data["name"], price=data["price"],
            method=data["method"], expires_on=data["expires_on"], items=data["items"], idempotency_key=token,
        ),
        _("Package card %(number)s sold."),
    )  # fmt: skip


@permission_required(Perm.CUSTOMER_VIEW)
def statement(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable statement of a member card: balances and every posting;
    `?format=xlsx` downloads the postings."""
    card = _card(request, pk)
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user, action=AuditEntry.Action.EXPORT, obj=card, store=request.store,
            object_repr=card.number,
        )  # fmt: skip
        rows = (
            [p.voucher.posted_at.strftime("%Y-%m-%d %H:%M"), p.voucher.number, p.voucher.get_kind_display(),
             p.account.get_kind_display(), p.voucher.document_ref, p.voucher.store.name, p.amount, p.balance_after]
            for p in selectors.card_postings(card).iterator(chunk_size=1000)
        )  # fmt: skip
        return xlsx_response(f"{card.number}.xlsx", STATEMENT_HEADERS, rows)
    return render(
        request,
        "loyalty/print_statement.html",
        {
            "card": card,
            "balances": selectors.card_balances(card),
            "postings": list(selectors.card_postings(card)[:500]),
        },
    )


STATEMENT_HEADERS = ("时间", "凭证号", "类型", "账户", "单据", "门店", "金额", "余额")


# --- the cash desk on one order ---------------------------------------------------------


def _order(request: HttpRequest, pk: int) -> RepairOrder:
    orders = RepairOrder.objects.for_user(request.user, Perm.PAYMENT_POST).select_related(
        "store", "customer", "vehicle", "repair_type"
    )
    return get_object_or_404(orders, pk=pk)


def _order_page(request, order, status=200, **bound) -> HttpResponse:
    from aftercare.billing.selectors import order_balance

    balance = order_balance(order)
    context = {
        "order": order,
        "balance": balance,
        "card": MemberCard.objects.filter(customer_id=order.customer_id).first(),
        "matches": selectors.package_matches(order),
        "coupons": selectors.usable_coupons(order),
        "exchangeable": selectors.coupons_for_points(order),
        "pay_form": bound.get("pay_form")
        or StoredValuePayForm(
            initial={"token": form_token("stored-value", order.customer_id, f"ro{order.pk}", f"due{balance}")}
        ),
    }
    return render(request, "loyalty/order.html", context, status=status)


@permission_required(Perm.PAYMENT_POST)
def order(request: HttpRequest, pk: int) -> HttpResponse:
    """Cards at settlement: stored value, package uses and coupons for this order."""
    return _order_page(request, _order(request, pk))


@permission_required(Perm.PAYMENT_POST)
@require_POST
def order_stored_value(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = StoredValuePayForm(request.POST)
    posted = post_form(
        request, form,
        lambda data: payment_post(
            actor=request.user, order=order, method="stored_value", amount=data["amount"], reference=data["card"],
            idempotency_key=data["token"],
        ),
        success=lambda result: _("Payment %(number)s posted.") % {"number": result[0].number} if result[1] else None,
        rename={"reference": "card"},
    )  # fmt: skip
    if posted.ok:
        return redirect("loyalty:order", order.pk)
    return _order_page(request, order, status=400, pay_form=form)


@permission_required(Perm.PAYMENT_POST)
@require_POST
def order_package(request: HttpRequest, pk: int, line: int) -> HttpResponse:
    order = _order(request, pk)
    line_obj = get_object_or_404(order.lines.all(), pk=line)
    card = get_object_or_404(PackageCard.objects.for_user(request.user), pk=request.POST.get("card") or 0)
    run_action(
        request,
        lambda: services.package_cover(actor=request.user, order=order, card=card, line=line_obj),
        success=_("Covered by the package card (套餐卡抵扣)."),
    )
    return redirect("loyalty:order", order.pk)


@permission_required(Perm.PAYMENT_POST)
@require_POST
def order_coupon(request: HttpRequest, pk: int, coupon: int) -> HttpResponse:
    order = _order(request, pk)
    coupon_obj = get_object_or_404(Coupon.objects.for_user(request.user), pk=coupon)
    run_action(
        request,
        lambda: services.coupon_apply(actor=request.user, order=order, coupon=coupon_obj),
        success=_("Coupon used."),
    )
    return redirect("loyalty:order", order.pk)


@permission_required(Perm.PAYMENT_POST)
@require_POST
def order_points(request: HttpRequest, pk: int, template: int) -> HttpResponse:
    """Pay part of the order with points: exchange them for the coupon and use it at once."""
    order = _order(request, pk)
    template_obj = get_object_or_404(CouponTemplate.objects.for_user(request.user), pk=template)
    card = get_object_or_404(MemberCard.objects.for_user(request.user), customer_id=order.customer_id)

    def exchange_and_use():
        with transaction.atomic():
            coupon = services.coupon_for_points(actor=request.user, card=card, store=order.store, template=template_obj)
            return services.coupon_apply(actor=request.user, order=order, coupon=coupon)

    run_action(request, exchange_and_use, success=_("Points exchanged and the coupon used."))
    return redirect("loyalty:order", order.pk)


# --- the manager's liabilities -------------------------------------------------------------

LIABILITY_HEADERS = (
    "门店",
    "储值本金",
    "储值赠送",
    "套餐剩余次数",
    "套餐剩余价值",
    "积分余额",
    "未用优惠券",
    "退卡作废赠送",
    "过期积分",
)
LIABILITY_KEYS = (
    "principal",
    "bonus",
    "package_uses",
    "package_value",
    "points",
    "coupons",
    "bonus_forfeited",
    "points_expired",
)


@permission_required(Perm.REPORT_VIEW)
def liabilities(request: HttpRequest) -> HttpResponse:
    """What the stores owe their members (unspent stored value, package uses,
    points) and what lapsed; `?format=xlsx` downloads it."""
    rows = selectors.liabilities(request.user, Perm.REPORT_VIEW)
    if request.GET.get("format") == "xlsx":
        audit_record(
            actor=request.user, action=AuditEntry.Action.EXPORT, store=request.store,
            object_repr="loyalty_liabilities", changes={"rows": [None, len(rows)]},
        )  # fmt: skip
        return xlsx_response(
            "loyalty-liabilities.xlsx",
            LIABILITY_HEADERS,
            ([row["store"], *(row[k] for k in LIABILITY_KEYS)] for row in rows),
        )
    return render(request, "loyalty/liabilities.html", {"rows": rows})


# --- the store manager's rules: coupon templates, top-up bonuses, tiers ---------------------

RULE_KINDS = {
    "coupon": (CouponTemplate, CouponTemplateForm),
    "top-up": (TopUpRule, TopUpRuleForm),
    "tier": (TierRule, TierRuleForm),
}


def _rules_of(request, model):
    """The rules the manager may change at the current store: the group's templates
    and tiers, the store's own bonuses."""
    rows = model.objects.for_user(request.user, Perm.DISCOUNT_APPROVE)
    if request.store is None:
        return rows.none()
    if model is TopUpRule:
        return rows.filter(store=request.store).order_by("min_amount")
    return rows.filter(group_id=request.store.group_id)


@permission_required(Perm.DISCOUNT_APPROVE)
def rules(request: HttpRequest) -> HttpResponse:
    """Coupon templates, the store's top-up bonuses and the tier rules, each with its edit link."""
    context = {
        "coupon_templates": list(_rules_of(request, CouponTemplate).order_by("-active", "name")),
        "top_up_rules": list(_rules_of(request, TopUpRule)),
        "tier_rules": sorted(_rules_of(request, TierRule), key=lambda rule: TIER_ORDER.index(rule.tier)),
    }
    return render(request, "loyalty/rules.html", context)


@permission_required(Perm.DISCOUNT_APPROVE)
def rule_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    if kind not in RULE_KINDS or request.store is None:
        raise Http404
    model, form_class = RULE_KINDS[kind]
    instance = get_object_or_404(_rules_of(request, model), pk=pk) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST":
        # The service validates and saves; the form only parses what was typed.
        fields = list(form_class._meta.fields)
        saved = post_form(
            request,
            form,
            lambda data: services.loyalty_rule_save(
                actor=request.user, store=request.store, model=model, instance=instance,
                data={name: data[name] for name in fields},
            ),
            success=lambda rule: _("%(rule)s saved.") % {"rule": rule},
        )  # fmt: skip
        if saved.ok:
            return redirect("loyalty:rules")
    context = {"form": form, "kind": kind, "model_name": model._meta.verbose_name, "rule": instance}
    return render(request, "loyalty/rule_form.html", context, status=400 if form.errors else 200)
