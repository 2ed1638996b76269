from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("stock", views.StockViewSet, basename="parts-stock")
router.register("movements", views.MovementViewSet, basename="parts-movement")
router.register("lines", views.DemandViewSet, basename="parts-line")
router.register("suggestions", views.SuggestionViewSet, basename="parts-suggestion")
router.register("orders", views.OrderViewSet, basename="parts-order")
router.register("back-orders", views.BackOrderViewSet, basename="parts-back-order")

urlpatterns = router.urls
