from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("audit", views.AuditEntryViewSet, basename="audit")

urlpatterns = router.urls
