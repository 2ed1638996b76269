from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig
from django_tables2.paginators import LazyPaginator

from . import backup as backups
from .filters import AuditEntryFilterSet
from .models import AuditEntry
from .permissions import Perm
from .tables import AuditEntryTable
from .tasks import run_backup


def permission_required(perm: str):
    """Login required, then `perm` in at least one of the user's stores (403 otherwise).
    Object-level checks and for_user() scoping still apply inside the view."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@permission_required(Perm.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    entries = AuditEntry.objects.for_user(request.user, Perm.AUDIT_VIEW).select_related("store")
    filterset = AuditEntryFilterSet(request.GET or None, queryset=entries, user=request.user)
    table = AuditEntryTable(filterset.qs)
    # LazyPaginator: no COUNT(*) over the whole trail, which grows forever.
    RequestConfig(request, paginate={"per_page": 50, "paginator_class": LazyPaginator}).configure(table)
    template = "core/audit_list.html#results" if request.htmx and not request.htmx.boosted else "core/audit_list.html"
    return render(request, template, {"filter": filterset, "table": table})


@permission_required(Perm.BACKUP_RUN)
def backup_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/backup_list.html",
        {
            "backups": backups.list_backups(),
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


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request, so no context processor (navigation, the
    # current store) touches the database, which may be what failed.
    return HttpResponseServerError(loader.render_to_string("500.html"))
