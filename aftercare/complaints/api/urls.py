from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = router.urls
