from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from .. import services
from ..choices import TaskStatus
from ..models import FollowUpTask
from .serializers import AttemptInSerializer, FollowUpTaskSerializer, OutcomeInSerializer, ReassignInSerializer


def _datetime(value: str, name: str):
    parsed = parse_datetime(value)
    if parsed is None:
        raise APIValidationError({name: ["Enter a date and time (ISO 8601)."]})
    return parsed


@extend_schema(
    parameters=[
        OpenApiParameter("assignee", str, description="me, or a user id"),
        OpenApiParameter("status", str, enum=TaskStatus.values),
        OpenApiParameter("kind", str),
        OpenApiParameter("due_before", str),
        OpenApiParameter("due_after", str),
    ]
)
class FollowUpTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up calls of the user's stores; POST outcome/, attempt/ and reassign/ work one."""

    serializer_class = FollowUpTaskSerializer
    permission_classes = [require(Perm.FOLLOWUP_WORK)]

    def get_queryset(self):
        tasks = FollowUpTask.objects.for_user(self.request.user, Perm.FOLLOWUP_WORK).order_by("due_at", "id")
        if self.action != "list":
            return tasks
        params = self.request.query_params
        assignee = params.get("assignee")
        if assignee == "me":
            tasks = tasks.filter(owner=self.request.user)
        elif assignee:
            if not assignee.isdigit():
                raise APIValidationError({"assignee": ["Use 'me' or a user id."]})
            tasks = tasks.filter(owner_id=int(assignee))
        if status_ := params.get("status"):
            if status_ not in TaskStatus.values:
                raise APIValidationError({"status": [f"Choose one of {', '.join(TaskStatus.values)}."]})
            tasks = tasks.filter(status=status_)
        if kind := params.get("kind"):
            tasks = tasks.filter(kind=kind)
        if value := params.get("due_before"):
            tasks = tasks.filter(due_at__lt=_datetime(value, "due_before"))
        if value := params.get("due_after"):
            tasks = tasks.filter(due_at__gte=_datetime(value, "due_after"))
        return tasks

    def _run(self, service, **kwargs):
        task = self.get_object()
        try:
            task = service(actor=self.request.user, task=task, **kwargs)
        except ValidationError as exc:
            # A closed task cannot be worked again: a workflow conflict, not bad input.
            if task.status != TaskStatus.OPEN:
                return Response({"detail": exc.messages}, status=status.HTTP_409_CONFLICT)
            raise
        task.refresh_from_db()
        return Response(FollowUpTaskSerializer(task).data)

    @extend_schema(request=OutcomeInSerializer, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        incoming = OutcomeInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = {k: v for k, v in incoming.validated_data.items() if v not in ("", None)}
        return self._run(services.followup_record, data=data)

    @extend_schema(request=AttemptInSerializer, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def attempt(self, request, pk=None):
        incoming = AttemptInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._run(services.followup_attempt, **incoming.validated_data)

    @extend_schema(request=ReassignInSerializer, responses=FollowUpTaskSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        incoming = ReassignInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return self._run(services.followup_reassign, **incoming.validated_data)
