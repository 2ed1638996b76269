from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("followups", views.FollowUpTaskViewSet, basename="api-followup")

urlpatterns = router.urls
