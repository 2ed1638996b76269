from . import views
from .routers import Router

router = Router()
router.register("audit", views.AuditEntryViewSet, basename="audit")

urlpatterns = router.urls
