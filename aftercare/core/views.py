from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import background, health
from . import backup as backups
from .filters import AuditEntryFilterSet, DeletedDocumentFilterSet
from .forms import DocumentDeleteForm, add_service_errors
from .models import AuditEntry, DeletedDocument, RestoreDrill
from .permissions import Perm
from .selectors import audit_rows
from .services import deletable, deletables, delete_vetoes, document_delete
from .tables import lazy_page
from .tasks import run_backup


def permission_required(*perms: str):
    """Login required, then one of `perms` in at least one of the user's stores (403 otherwise).
    Object-level checks and for_user() scoping still apply inside the view."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(request.user.has_perm(perm) for perm in perms):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def htmx_partial(request: HttpRequest) -> bool:
    """Whether htmx asked for a fragment of the page (a named partial) rather than the whole page.
    A boosted link or form is a whole-page navigation, so it gets the whole page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def htmx_announce(request: HttpRequest, response: HttpResponse, event: str) -> HttpResponse:
    """After a change made through htmx, name `event` in the response's
    HX-Trigger-After-Settle header: every element of the page that listens with
    hx-trigger="<event> from:body" reloads itself from its own URL once the
    response is swapped in (htmx fires it on the body when the element that
    asked was replaced). One event per changed document, whichever panel made
    the change, so no panel keeps showing a figure from before it. A whole-page
    request redirects instead and needs no event."""
    if htmx_partial(request):
        names = [name for name in response.get("HX-Trigger-After-Settle", "").split(",") if name.strip()]
        response["HX-Trigger-After-Settle"] = ", ".join(dict.fromkeys([*(n.strip() for n in names), event]))
    return response


@dataclass(frozen=True)
class Outcome:
    """What posting a form to a service came to: `ok` and the service's result, or not ok
    (the form then carries the field errors to show)."""

    ok: bool
    result: Any = None


def post_form(
    request: HttpRequest,
    form,
    call: Callable[[dict], Any],
    *,
    success: str | Callable[[Any], str | None] | None = None,
    rename: dict[str, str] | None = None,
    refused: type[Exception] | tuple[type[Exception], ...] = (),
) -> Outcome:
    """The one way a view posts a form (or a formset) to a service: validate the form, call the
    service with its cleaned data, put a service's ValidationError onto the form's fields
    (`rename` maps a service field name to the form's), and flash `success` (text, or a function
    of the result) when it worked. The view then redirects (Post/Redirect/Get) or renders the
    form again.

    `refused` names the errors that refuse the step itself rather than what was typed (a
    workflow move no longer allowed): they become an error message, as in run_action, and leave
    the form without errors, because the page may no longer show that form at all."""
    if not form.is_valid():
        return Outcome(False)
    try:
        result = call(form.cleaned_data)
    except refused as error:
        _refusal_message(request, error)
        return Outcome(False)
    except ValidationError as error:
        add_service_errors(form, error, rename=rename)
        return Outcome(False)
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return Outcome(True, result)


def flash_form_errors(request: HttpRequest, form) -> None:
    """A form posted from a page that redirects back (a card on an order or a stock page):
    its errors as one message, each under its field's label."""
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else None
        text = " ".join(str(error) for error in errors)
        parts.append(f"{label}: {text}" if label else text)
    messages.error(request, " ".join(parts))


def run_action(
    request: HttpRequest, call: Callable[[], Any], *, success: str | Callable[[Any], str | None] | None = None
) -> Outcome:
    """The one way a view runs a service that has no form (a button): a refusal
    (ValidationError or PermissionDenied) becomes an error message, success a success message."""
    try:
        result = call()
    except (ValidationError, PermissionDenied) as error:
        _refusal_message(request, error)
        return Outcome(False)
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return Outcome(True, result)


def _refusal_message(request: HttpRequest, error: Exception) -> None:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    messages.error(request, text or _("Your role cannot do this."))


@permission_required(Perm.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.for_user(request.user, Perm.AUDIT_VIEW).select_related("store")
    filterset = AuditEntryFilterSet(request.GET or None, queryset=entries, user=request.user)
    # Lazy: no COUNT(*) over the whole trail, which grows forever.
    page = lazy_page(request, filterset.qs, per_page=50)
    template = "core/audit_list.html#results" if htmx_partial(request) else "core/audit_list.html"
    return render(request, template, {"filter": filterset, "page": page, "rows": audit_rows(page, request.user)})


@permission_required(Perm.BACKUP_RUN)
def backup_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/backup_list.html",
        {
            "backups": backups.backup_overview(),
            "drill": RestoreDrill.objects.order_by("-ran_at").first(),
            "keep_days": settings.BACKUP_KEEP_DAYS,
            "backup_dir": settings.BACKUP_DIR,
        },
    )


@permission_required(Perm.BACKUP_RUN)
@require_POST
def backup_now(request: HttpRequest) -> HttpResponse:
    run_backup.enqueue(actor_id=request.user.pk)
    messages.success(request, _("Backup started. It appears in the list when it is finished."))
    return redirect("core:backup_list")


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and bookmarks ask for whatever the page links: the static icon."""
    return redirect(static("aftercare/favicon.ico"), permanent=True)


@permission_required(Perm.BACKUP_RUN)
def background_health_page(request: HttpRequest) -> HttpResponse:
    return render(request, "core/background_health.html", {"health": health.background_health()})


@permission_required(Perm.BACKUP_RUN)
@require_POST
def alert_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    if background.alert_acknowledge(actor=request.user, alert_id=pk):
        messages.success(request, _("Alert acknowledged."))
    return redirect("core:background_health")


LOCAL_ADDRESSES = {"127.0.0.1", "::1"}


@require_GET
def health_endpoint(request: HttpRequest) -> JsonResponse:
    """For monitoring: 200 when background work is healthy, 503 with the problems otherwise.
    Asked with `Authorization: Bearer <HEALTH_TOKEN>`, or from the machine itself when no token is set."""
    token = settings.HEALTH_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token:
        allowed = bool(given) and constant_time_compare(given, token)
    else:
        allowed = request.META.get("REMOTE_ADDR") in LOCAL_ADDRESSES
    if not allowed:
        return JsonResponse({"status": "forbidden"}, status=403)
    report = health.health_json(health.background_health())
    return JsonResponse(report, status=503 if report["problems"] else 200)


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request, so no context processor (navigation, the
    # current store) touches the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))


# --- Deleting business documents and the deletion log (docs/DOMAIN.md §24.4) ---------------


@login_required
def document_delete_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Confirm and delete a document opened by mistake: a reason is required; apps that hold
    references to it (payments, issued parts, claims) may refuse."""
    entry = deletable(kind)
    if entry is None:
        raise Http404
    obj = get_object_or_404(entry.model.objects.for_user(request.user), pk=pk)
    if not request.user.has_perm(entry.perm, obj):
        raise PermissionDenied
    form = DocumentDeleteForm(request.POST or None)
    if request.method == "POST":
        outcome = post_form(
            request,
            form,
            lambda data: document_delete(actor=request.user, obj=obj, perm=entry.perm, reason=data["reason"]),
            success=_("%(document)s was deleted; the deletion log keeps a snapshot.") % {"document": obj},
        )
        if outcome.ok:
            return redirect(entry.list_url)
    context = {"form": form, "obj": obj, "entry": entry, "vetoes": delete_vetoes(obj)}
    return render(request, "core/document_delete.html", context)


@permission_required(Perm.DELETION_LOG_VIEW)
def deletion_log(request: HttpRequest) -> HttpResponse:
    rows = DeletedDocument.objects.for_user(request.user, Perm.DELETION_LOG_VIEW).select_related("store")
    filterset = DeletedDocumentFilterSet(request.GET or None, queryset=rows, user=request.user)
    page = lazy_page(request, filterset.qs, per_page=50)
    labels = {entry.model._meta.label_lower: entry.label for entry in deletables()}
    template = "core/deletion_log.html#results" if htmx_partial(request) else "core/deletion_log.html"
    return render(request, template, {"filter": filterset, "page": page, "labels": labels})


@permission_required(Perm.DELETION_LOG_VIEW)
def deletion_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = get_object_or_404(DeletedDocument.objects.for_user(request.user, Perm.DELETION_LOG_VIEW), pk=pk)
    labels = {entry.model._meta.label_lower: entry.label for entry in deletables()}
    return render(request, "core/deletion_detail.html", {"row": row, "kind_label": labels.get(row.kind, row.kind)})
