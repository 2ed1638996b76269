"""The parts clerk's pages: thin views over parts.services and parts.selectors."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftercare.core.exports import export_response
from aftercare.core.money import to_money
from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import flash_form_errors, permission_required, post_form, run_action
from aftercare.customers.models import Vehicle
from aftercare.service.models import RepairOrder

from . import selectors, services
from .choices import OrderStatus
from .forms import (
    AdjustForm,
    CancelBackOrderForm,
    ClosureForm,
    DocumentForm,
    IssueForm,
    LevelsForm,
    ReceiveLineForm,
    RejectCountForm,
    ReturnForm,
    ScanForm,
    SuggestionOrderForm,
    SupplierForm,
)
from .models import (
    BinStock,
    LineDemand,
    SerialUnit,
    StockCount,
    StockItem,
    Supplier,
    SupplierClosure,
    SupplierOrder,
    SupplierOrderLine,
)


def _store(request):
    return request.store


@permission_required(Perm.PARTS_MANAGE)
def queue(request: HttpRequest) -> HttpResponse:
    """待发料: open part lines by promised time; a scanned part number (number + Enter) issues the
    earliest promised line waiting for that part."""
    form = ScanForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            demand = services.demand_by_code(store=_store(request), code=form.cleaned_data["code"])
            if demand is None:
                messages.error(request, _("No line is waiting for %(code)s.") % {"code": form.cleaned_data["code"]})
            else:
                run_action(
                    request,
                    lambda: services.part_issue(actor=request.user, demand=demand),
                    success=_("Issued %(part)s to %(ro)s.")
                    % {"part": demand.item.part_no, "ro": demand.repair_order.number},
                )
        return redirect("parts:queue")
    rows = selectors.issue_queue(request.user, _store(request))
    return render(request, "parts/queue.html", {"rows": rows, "form": form, "now": timezone.now()})


def _demand(request, pk) -> LineDemand:
    return get_object_or_404(
        LineDemand.objects.for_user(request.user, Perm.PARTS_MANAGE).select_related("item", "repair_order"), pk=pk
    )


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _demand(request, pk)
    form = IssueForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        run_action(
            request,
            lambda: services.part_issue(
                actor=request.user,
                demand=demand,
                quantity=data["quantity"],
                bin=data["bin"],
                serial=data["serial"],
                return_tag=data["return_tag"],
            ),
            success=_("Issued %(part)s to %(ro)s.") % {"part": demand.item.part_no, "ro": demand.repair_order.number},
        )
    else:
        messages.error(request, _("Check the quantity."))
    return redirect(request.POST.get("next") or "parts:queue")


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def return_part(request: HttpRequest, pk: int) -> HttpResponse:
    demand = _demand(request, pk)
    form = ReturnForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        run_action(
            request,
            lambda: services.part_return(
                actor=request.user, demand=demand, quantity=data["quantity"], bin=data["bin"], serial=data["serial"]
            ),
            success=_("Returned to stock."),
        )
    else:
        messages.error(request, _("Check the quantity."))
    return redirect("parts:stock_detail", pk=demand.item_id)


@permission_required(Perm.PARTS_MANAGE)
def stock_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:40]
    items = selectors.stock_lookup(request.user, _store(request), q)
    more = len(items) > 50
    return render(request, "parts/stock_list.html", {"items": items[:50], "more": more, "q": q})


def _item(request, pk) -> StockItem:
    return get_object_or_404(
        StockItem.objects.for_user(request.user, Perm.PARTS_MANAGE).select_related("supplier"), pk=pk
    )


@permission_required(Perm.PARTS_MANAGE)
def stock_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    context = {
        "item": item,
        "bins": item.bins.all(),
        "movements": item.movements.select_related("line__repair_order", "order_line__order", "created_by")[:30],
        "demands": item.demands.filter(issued__gt=0).select_related("repair_order").order_by("-id")[:10],
        "adjust_form": AdjustForm(),
        "levels_form": LevelsForm(initial={"min_qty": item.min_override, "max_qty": item.max_override}),
        "return_form": ReturnForm(),
    }
    return render(request, "parts/stock_detail.html", context)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def stock_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = AdjustForm(request.POST)
    post_form(
        request, form, lambda d: services.stock_adjust(actor=request.user, item=item, **d), success=_("Stock adjusted.")
    )
    if form.errors:
        flash_form_errors(request, form)
    return redirect("parts:stock_detail", pk=item.pk)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def stock_levels(request: HttpRequest, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = LevelsForm(request.POST)
    post_form(
        request, form, lambda d: services.stock_override_levels(actor=request.user, item=item, **d),
        success=_("MIN/MAX saved."),
    )  # fmt: skip
    if form.errors:
        flash_form_errors(request, form)
    return redirect("parts:stock_detail", pk=item.pk)


def _count_rows(request, prefix: str):
    return (
        BinStock.objects.for_user(request.user, Perm.PARTS_MANAGE)
        .filter(store=_store(request), bin__startswith=prefix)
        .select_related("item")
        .order_by("bin", "item__part_no")[:COUNT_SHEET_ROWS]
    )


COUNT_SHEET_ROWS = 300


@permission_required(Perm.PARTS_MANAGE)
def count_sheet(request: HttpRequest) -> HttpResponse:
    """Stock count by bin: the clerk enters what is on the shelves and saves it as a count
    document; nothing moves until a manager approves the variances (docs/DOMAIN.md §12.1)."""
    prefix = (request.GET.get("bin") or request.POST.get("bin") or "")[:20]
    rows = list(_count_rows(request, prefix))
    if request.method == "POST":
        counts = {row.pk: request.POST.get(f"count-{row.pk}", "")[:20] for row in rows}
        note = request.POST.get("note", "")[:200]

        def enter():
            return services.count_enter(
                actor=request.user, store=_store(request), counts=counts, bin_prefix=prefix, note=note
            )

        outcome = run_action(
            request,
            enter,
            success=lambda count: _("Count %(n)s saved; a manager approves the variances.") % {"n": count.number},
        )
        if outcome.ok:
            return redirect("parts:count_detail", pk=outcome.result.pk)
        for row in rows:
            row.entered = counts[row.pk]
    can_approve = request.user.has_perm(Perm.PARTS_APPROVE, _store(request))
    counts = (
        StockCount.objects.for_user(request.user, Perm.PARTS_MANAGE)
        .filter(store=_store(request))
        .select_related("counted_by")[:20]
    )
    return render(
        request,
        "parts/count.html",
        {"rows": rows, "prefix": prefix, "can_approve": can_approve, "counts": counts},
    )


@permission_required(Perm.PARTS_MANAGE)
def count_print(request: HttpRequest) -> HttpResponse:
    """The printable count sheet: bins in order, a blank to write each count in, no system quantity."""
    prefix = request.GET.get("bin", "")[:20]
    rows = _count_rows(request, prefix)
    return render(request, "parts/count_print.html", {"rows": rows, "prefix": prefix, "now": timezone.now()})


def _count(request, pk) -> StockCount:
    counts = StockCount.objects.for_user(request.user, Perm.PARTS_MANAGE)
    return get_object_or_404(counts.select_related("store", "counted_by", "decided_by"), pk=pk)


@permission_required(Perm.PARTS_MANAGE)
def count_detail(request: HttpRequest, pk: int) -> HttpResponse:
    count = _count(request, pk)
    lines = list(count.lines.select_related("item"))
    for line in lines:
        line.value = to_money(line.variance * line.item.avg_cost)
    context = {
        "count": count, "lines": lines, "reject_form": RejectCountForm(),
        "can_approve": request.user.has_perm(Perm.PARTS_APPROVE, count.store),
        "differing": sum(1 for line in lines if line.variance), "total": to_money(sum(x.value for x in lines)),
    }  # fmt: skip
    return render(request, "parts/count_detail.html", context)


def _approvable_count(request, pk) -> StockCount:
    return get_object_or_404(StockCount.objects.for_user(request.user, Perm.PARTS_APPROVE), pk=pk)


@permission_required(Perm.PARTS_APPROVE)
@require_POST
def count_approve(request: HttpRequest, pk: int) -> HttpResponse:
    count = _approvable_count(request, pk)
    run_action(
        request,
        lambda: services.count_approve(actor=request.user, count=count),
        success=lambda moves: _("%(n)s variances posted.") % {"n": len(moves)},
    )
    return redirect("parts:count_detail", pk=count.pk)


@permission_required(Perm.PARTS_APPROVE)
@require_POST
def count_reject(request: HttpRequest, pk: int) -> HttpResponse:
    count = _approvable_count(request, pk)
    form = RejectCountForm(request.POST)
    post_form(
        request, form, lambda d: services.count_reject(actor=request.user, count=count, **d),
        success=_("Count rejected: nothing was posted."),
    )  # fmt: skip
    if form.errors:
        flash_form_errors(request, form)
    return redirect("parts:count_detail", pk=count.pk)


@permission_required(Perm.PARTS_MANAGE)
def reorder_review(request: HttpRequest) -> HttpResponse:
    """The nightly suggestions: the clerk edits quantities and turns them into draft orders."""
    store = _store(request)
    items = list(
        StockItem.objects.for_user(request.user, Perm.PARTS_MANAGE)
        .filter(store=store, suggested_qty__gt=0)
        .select_related("supplier", "override_by")
        .order_by("supplier_id", "part_no")[:500]
    )
    form = SuggestionOrderForm(request.POST or None)
    if request.method == "POST" and "run" in request.POST:
        run_action(request, lambda: services.reorder_run(store_id=store.pk), success=_("Suggestions recalculated."))
        return redirect("parts:reorder")
    if request.method == "POST":
        quantities = {
            item.pk: request.POST.get(f"qty-{item.pk}", "") for item in items if request.POST.get(f"pick-{item.pk}")
        }

        def make_orders(d):
            return services.orders_from_suggestions(
                actor=request.user, store=store, order_type=d["order_type"], quantities=quantities
            )

        saved = post_form(
            request, form, make_orders, success=lambda orders: _("%(n)s draft orders created.") % {"n": len(orders)}
        )
        if saved.ok:
            return redirect("parts:order_list")
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "parts/reorder.html", {"items": items, "form": form})


@permission_required(Perm.PARTS_MANAGE)
def order_list(request: HttpRequest) -> HttpResponse:
    orders = (
        SupplierOrder.objects.for_user(request.user, Perm.PARTS_MANAGE)
        .filter(store=_store(request))
        .select_related("supplier")
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in OrderStatus.values:
        orders = orders.filter(status=status)
    return render(request, "parts/order_list.html", {"page": lazy_page(request, orders, per_page=50), "status": status})


def _order(request, pk) -> SupplierOrder:
    return get_object_or_404(
        SupplierOrder.objects.for_user(request.user, Perm.PARTS_MANAGE).select_related("supplier"), pk=pk
    )


@permission_required(Perm.PARTS_MANAGE)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    lines = list(order.lines.select_related("item"))
    for line in lines:
        line.form = ReceiveLineForm(
            prefix=f"l{line.pk}", initial={"quantity": line.open_quantity, "bin": line.item.main_bin}
        )
    context = {
        "order": order, "lines": lines, "missing": services.missing_documents(order),
        "documents": order.documents.all(), "document_form": DocumentForm(),
    }  # fmt: skip
    return render(request, "parts/order_detail.html", context)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def order_submit(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    run_action(request, lambda: services.order_submit(actor=request.user, order=order), success=_("Order submitted."))
    return redirect("parts:order_detail", pk=order.pk)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def order_receive(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    receipts = []
    for line in order.lines.all():
        form = ReceiveLineForm(request.POST, prefix=f"l{line.pk}")
        if form.is_valid() and form.cleaned_data["quantity"]:
            data = form.cleaned_data
            receipts.append(
                {"line": line.pk, "quantity": data["quantity"], "bin": data["bin"], "serials": data["serials"].split()}
            )
    run_action(
        request,
        lambda: services.order_receive(actor=request.user, order=order, receipts=receipts),
        success=_("Received into stock."),
    )
    return redirect("parts:order_detail", pk=order.pk)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = DocumentForm(request.POST, request.FILES)
    post_form(
        request,
        form,
        lambda d: services.document_add(actor=request.user, order=order, **d),
        success=_("Document uploaded."),
    )
    if form.errors:
        flash_form_errors(request, form)
    return redirect("parts:order_detail", pk=order.pk)


@permission_required(Perm.PARTS_MANAGE)
def back_order_list(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.back_orders(request.user, _store(request))[:300])
    now = timezone.now()
    for row in rows:
        row.age_days = (now - row.order.submitted_at).days
    can_approve = request.user.has_perm(Perm.PARTS_APPROVE, _store(request))
    return render(
        request, "parts/back_orders.html", {"rows": rows, "can_approve": can_approve, "form": CancelBackOrderForm()}
    )


@permission_required(Perm.PARTS_APPROVE)
@require_POST
def back_order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager approves and cancels in one step: they are the approver."""
    line = get_object_or_404(SupplierOrderLine.objects.for_user(request.user, Perm.PARTS_APPROVE), pk=pk)
    form = CancelBackOrderForm(request.POST)
    if form.is_valid():
        run_action(
            request,
            lambda: services.back_order_cancel(
                actor=request.user, line=line, approver=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("Back order cancelled."),
        )
    else:
        messages.error(request, _("Say why the back order is cancelled."))
    return redirect("parts:back_orders")


def _suppliers(request):
    return Supplier.objects.for_user(request.user, Perm.PARTS_MANAGE).filter(store=_store(request))


@permission_required(Perm.PARTS_MANAGE)
def supplier_list(request: HttpRequest) -> HttpResponse:
    """The store's suppliers with their terms and coming closures; a new one is added here."""
    form = SupplierForm(request.POST or None)
    if request.method == "POST":
        saved = post_form(
            request, form, lambda d: services.supplier_save(actor=request.user, store=_store(request), data=d),
            success=_("Supplier saved."),
        )  # fmt: skip
        if saved.ok:
            return redirect("parts:supplier_edit", pk=saved.result.pk)
    today = timezone.localdate()
    suppliers = _suppliers(request).prefetch_related(
        Prefetch("closures", queryset=SupplierClosure.objects.filter(last_day__gte=today).order_by("first_day"))
    )
    return render(request, "parts/suppliers.html", {"suppliers": suppliers, "form": form})


def _supplier(request, pk) -> Supplier:
    return get_object_or_404(_suppliers(request).select_related("store"), pk=pk)


@permission_required(Perm.PARTS_MANAGE)
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    initial = {name: getattr(supplier, name) for name in services.SUPPLIER_FIELDS}
    form = SupplierForm(request.POST or None, initial=initial)
    if request.method == "POST":
        saved = post_form(
            request, form,
            lambda d: services.supplier_save(actor=request.user, store=_store(request), supplier=supplier, data=d),
            success=_("Supplier saved."),
        )  # fmt: skip
        if saved.ok:
            return redirect("parts:supplier_edit", pk=supplier.pk)
    context = {
        "supplier": supplier, "form": form, "closure_form": ClosureForm(prefix="closure"),
        "closures": supplier.closures.order_by("-first_day")[:50],
    }  # fmt: skip
    return render(request, "parts/supplier_form.html", context)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def supplier_closure_add(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    form = ClosureForm(request.POST, prefix="closure")
    post_form(
        request, form, lambda d: services.supplier_closure_add(actor=request.user, supplier=supplier, **d),
        success=_("Closure added."),
    )  # fmt: skip
    if form.errors:
        flash_form_errors(request, form)
    return redirect("parts:supplier_edit", pk=supplier.pk)


@permission_required(Perm.PARTS_MANAGE)
@require_POST
def supplier_closure_remove(request: HttpRequest, pk: int, closure_pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    closure = get_object_or_404(
        SupplierClosure.objects.select_related("supplier__store"), pk=closure_pk, supplier=supplier
    )
    run_action(
        request, lambda: services.supplier_closure_remove(actor=request.user, closure=closure),
        success=_("Closure removed."),
    )  # fmt: skip
    return redirect("parts:supplier_edit", pk=supplier.pk)


REPORTS = ("value", "slow", "fill", "margin")


@permission_required(Perm.PARTS_MANAGE)
def reports(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    now = timezone.now()
    since = now - timedelta(days=30)
    export = request.GET.get("export", "")
    if export == "value":
        rows = selectors.stock_value_by_category(request.user, store)
        return export_response("xlsx", "stock-value", [_("Category"), _("Parts"), _("Quantity"), _("Value")],
                               ([r["category"], r["items"], r["quantity"], r["value"]] for r in rows))  # fmt: skip
    if export == "slow":
        rows = selectors.slow_movers(request.user, store, now=now).values_list(
            "part_no", "name", "main_bin", "on_hand", "avg_cost", "last_moved_at"
        )
        return export_response(
            "xlsx",
            "slow-movers",
            [_("Part number"), _("Name"), _("Bin"), _("On hand"), _("Average cost"), _("Last movement")],
            rows.iterator(chunk_size=2000),
        )
    if export == "fill":
        on_time, requested, rate = selectors.fill_rate(request.user, store, since, now)
        return export_response(
            "xlsx",
            "fill-rate",
            [_("Issued on time"), _("Lines requested"), _("Fill rate %")],
            [[on_time, requested, rate]],
        )
    if export == "margin":
        m = selectors.parts_margin(request.user, store, since, now)
        return export_response(
            "xlsx", "parts-margin", [_("Sales"), _("Cost"), _("Gross margin")], [[m["sales"], m["cost"], m["margin"]]]
        )
    context = {
        "value": selectors.stock_value_by_category(request.user, store),
        "slow": selectors.slow_movers(request.user, store, now=now)[:50],
        "fill": selectors.fill_rate(request.user, store, since, now),
        "margin": selectors.parts_margin(request.user, store, since, now),
    }
    return render(request, "parts/reports.html", context)


@permission_required(Perm.REPAIR_ORDER_VIEW)
def order_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The parts panel on the repair-order page: each part line's 待发料 / 缺件 / 已发料."""
    order = get_object_or_404(RepairOrder.objects.for_user(request.user, Perm.REPAIR_ORDER_VIEW), pk=pk)
    return render(
        request, "parts/order_panel.html", {"order": order, "lines": selectors.order_part_lines(request.user, order)}
    )


@permission_required(Perm.REPAIR_ORDER_VIEW)
def board_shortages(request: HttpRequest) -> HttpResponse:
    """缺件 on the management board (loaded into the board by htmx)."""
    rows = selectors.shortages(request.user, _store(request))
    return render(request, "parts/board_shortages.html", {"rows": rows})


@permission_required(Perm.CUSTOMER_VIEW, Perm.PARTS_MANAGE)
def vehicle_serials(request: HttpRequest, pk: int) -> HttpResponse:
    vehicle = get_object_or_404(Vehicle.objects.for_user(request.user), pk=pk)
    serials = SerialUnit.objects.filter(vehicle=vehicle).select_related(
        "item", "line__repair_order", "order_line__order"
    )
    return render(request, "parts/vehicle_serials.html", {"vehicle": vehicle, "serials": serials})
