from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("repair-orders", views.RepairOrderViewSet, basename="repair-order")

urlpatterns = router.urls
