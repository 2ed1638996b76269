"""Catalogue pages: one set of views for every kind (see kinds.py). Everyone who
works on repair orders or customers reads the catalogue; managers edit it."""

from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from aftercare.core.permissions import Perm
from aftercare.core.tables import lazy_page
from aftercare.core.views import htmx_partial, permission_required, post_form

from . import services
from .forms import PackageLineFormSet
from .kinds import KINDS, KINDS_BY_SLUG, Kind
from .models import PackageJob

# Login required, then any permission that lets one read the catalogue (403 otherwise).
catalog_read_required = permission_required(*services.READ_PERMS)


def _kind(slug: str) -> Kind:
    try:
        return KINDS_BY_SLUG[slug]
    except KeyError:
        raise Http404 from None


def _visible(request, kind: Kind):
    return kind.model.objects.for_user(request.user, services.READ_PERMS).select_related(*kind.select_related)


@catalog_read_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/home.html", {"kinds": KINDS})


@catalog_read_required
def item_list(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    filterset = kind.filterset(request.GET or None, queryset=_visible(request, kind), request=request)
    context = {
        "kind": kind,
        "kinds": KINDS,
        "filter": filterset,
        "page": lazy_page(request, filterset.qs, per_page=50),
        "can_create": request.user.has_perm(Perm.CATALOG_MANAGE),
    }
    template = "catalog/item_list.html#results" if htmx_partial(request) else "catalog/item_list.html"
    return render(request, template, context)


@permission_required(Perm.CATALOG_MANAGE)
def item_create(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    initial = {}
    if copy_id := request.GET.get("copy"):
        # "Override in my store": start from the group default's values.
        source = get_object_or_404(_visible(request, kind), pk=copy_id)
        initial = model_to_dict(source, fields=kind.form._meta.fields)
    form = kind.form(request.POST or None, user=request.user, current_store=request.store, initial=initial)
    if request.method == "POST":
        created = post_form(
            request,
            form,
            lambda data: services.catalog_item_create(
                actor=request.user,
                model=kind.model,
                data=form.service_data(),
                store=data["scope"][0],
                group=data["scope"][1],
            ),
            success=lambda item: _("%(item)s created.") % {"item": item},
        )
        if created.ok:
            return redirect(created.result.get_absolute_url())
    return render(request, "catalog/item_form.html", {"kind": kind, "kinds": KINDS, "form": form, "item": None})


@catalog_read_required
def item_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The entry's form: editable for who may change it, read-only for everyone else."""
    kind = _kind(kind)
    # for_user() first: another store's entry is a 404, its existence not revealed.
    item = get_object_or_404(_visible(request, kind), pk=pk)
    editable = services.can_manage(request.user, item)
    if request.method == "POST" and not editable:
        raise PermissionDenied
    form = kind.form(request.POST or None, instance=item, user=request.user, read_only=not editable)
    if request.method == "POST":
        saved = post_form(
            request,
            form,
            lambda data: services.catalog_item_update(actor=request.user, instance=item, data=form.service_data()),
            success=_("Changes saved."),
        )
        if saved.ok:
            return redirect(item.get_absolute_url())
    context = {"kind": kind, "kinds": KINDS, "form": form, "item": item, "editable": editable}
    if isinstance(item, PackageJob):
        context.update(_package_context(request, item, editable))
    return render(request, "catalog/item_form.html", context)


def _package_context(request, package: PackageJob, editable: bool, formset=None) -> dict:
    store = request.store
    priced = None
    if store is not None and package.group_id == store.group_id and package.store_id in (None, store.pk):
        priced = package.expand(store)
    if editable and formset is None:
        initial = [
            {"operation": line.operation_id, "part": line.part_id, "quantity": line.quantity}
            for line in package.lines.all()
        ]
        formset = PackageLineFormSet(initial=initial, form_kwargs={"package": package})
    return {
        "priced_lines": priced,
        "priced_total": PackageJob.total(priced) if priced is not None else None,
        "price_store": store,
        "line_formset": formset if editable else None,
    }


def _package_lines(rows: list[dict]) -> list[dict]:
    """The formset's rows as the service takes them: the rows kept, without the empty extra ones."""
    return [
        {"operation": row.get("operation"), "part": row.get("part"), "quantity": row["quantity"]}
        for row in rows
        if row and not row.get("DELETE")
    ]


@permission_required(Perm.CATALOG_MANAGE)
def package_lines(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace the lines of a package job from the formset on its page."""
    kind = KINDS_BY_SLUG[PackageJob.url_kind]
    package = get_object_or_404(_visible(request, kind), pk=pk)
    if not services.can_manage(request.user, package) or request.method != "POST":
        raise PermissionDenied
    formset = PackageLineFormSet(request.POST, form_kwargs={"package": package})
    saved = post_form(
        request,
        formset,
        lambda rows: services.package_job_lines_set(actor=request.user, package=package, lines=_package_lines(rows)),
        success=_("Package lines saved."),
    )
    if saved.ok:
        return redirect(package.get_absolute_url())
    form = kind.form(instance=package, user=request.user)
    context = {"kind": kind, "kinds": KINDS, "form": form, "item": package, "editable": True}
    context.update(_package_context(request, package, True, formset))
    return render(request, "catalog/item_form.html", context)
