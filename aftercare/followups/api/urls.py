from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("followups", views.FollowUpTaskViewSet, basename="api-followup")

urlpatterns = router.urls
