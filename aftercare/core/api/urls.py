from . import views
from .routers import Router

router = Router()
router.register("audit", views.AuditEntryViewSet, basename="audit")
router.register("deletions", views.DeletedDocumentViewSet, basename="deletion")

urlpatterns = router.urls
