from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from .. import services
from ..filters import FollowUpTaskFilterSet
from ..models import FollowUpTask
from .serializers import AttemptInSerializer, FollowUpTaskSerializer, OutcomeInSerializer, ReassignInSerializer


class FollowUpTaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Follow-up calls of the user's stores; POST outcome/, attempt/ and reassign/ work one."""

    serializer_class = FollowUpTaskSerializer
    filterset_class = FollowUpTaskFilterSet
    permission_classes = [require(Perm.FOLLOWUP_WORK)]

    def get_queryset(self):
        return FollowUpTask.objects.for_user(self.request.user, Perm.FOLLOWUP_WORK).order_by("due_at", "id")

    def _run(self, service, **kwargs):
        task = self.get_object()
        task = service(actor=self.request.user, task=task, **kwargs)
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
