from rest_framework import viewsets

from ..filters import AuditEntryFilterSet
from ..models import AuditEntry
from ..permissions import Perm
from .permissions import require
from .serializers import AuditEntrySerializer


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail of the stores where the user may browse it."""

    serializer_class = AuditEntrySerializer
    permission_classes = [require(Perm.AUDIT_VIEW)]
    filterset_class = AuditEntryFilterSet

    def get_queryset(self):
        return AuditEntry.objects.for_user(self.request.user, Perm.AUDIT_VIEW)
