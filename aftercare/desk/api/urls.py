from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("rescues", views.RescueViewSet, basename="desk-rescue")
router.register("faq", views.FaqViewSet, basename="desk-faq")
router.register("events", views.EventViewSet, basename="desk-event")
router.register("recoveries", views.RecoveryViewSet, basename="desk-recovery")

urlpatterns = router.urls
