from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("repair-orders", views.RepairOrderViewSet, basename="repair-order")

urlpatterns = router.urls
