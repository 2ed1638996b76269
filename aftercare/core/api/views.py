from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..filters import AuditEntryFilterSet, DeletedDocumentFilterSet
from ..models import AuditEntry, DeletedDocument
from ..permissions import Perm
from ..services import deletable, document_delete
from .permissions import require
from .serializers import AuditEntrySerializer, DeletedDocumentSerializer, DocumentDeleteSerializer


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail of the stores where the user may browse it."""

    serializer_class = AuditEntrySerializer
    permission_classes = [require(Perm.AUDIT_VIEW)]
    filterset_class = AuditEntryFilterSet

    def get_queryset(self):
        return AuditEntry.objects.for_user(self.request.user, Perm.AUDIT_VIEW)


class DeletedDocumentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The deletion log (删除日志) of the stores where the user may browse it; POST deletes a
    document opened by mistake (a repair order, an appointment, a complaint) with a reason,
    under the document's own delete permission (docs/DOMAIN.md §24.4). A refusal (money
    documents, payments, issued parts, a claim) is a 400 with the reasons."""

    serializer_class = DeletedDocumentSerializer
    filterset_class = DeletedDocumentFilterSet

    def get_permissions(self):
        if self.action == "create":
            return [IsAuthenticated()]
        return [require(Perm.DELETION_LOG_VIEW)()]

    def get_queryset(self):
        return DeletedDocument.objects.for_user(self.request.user, Perm.DELETION_LOG_VIEW).select_related("store")

    def get_serializer_class(self):
        return DocumentDeleteSerializer if self.action == "create" else DeletedDocumentSerializer

    @extend_schema(request=DocumentDeleteSerializer, responses={204: None})
    def create(self, request, *args, **kwargs):
        data = DocumentDeleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = deletable(data.validated_data["kind"])
        if entry is None:
            raise ValidationError({"kind": ["This kind of document cannot be deleted."]})
        obj = get_object_or_404(entry.model.objects.for_user(request.user), pk=data.validated_data["id"])
        document_delete(actor=request.user, obj=obj, perm=entry.perm, reason=data.validated_data["reason"])
        return Response(status=204)
