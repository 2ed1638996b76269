from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("appointments", views.AppointmentViewSet, basename="appointment")

urlpatterns = router.urls
