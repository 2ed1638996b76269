from django.urls import path

from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("vehicles", views.VehicleViewSet, basename="vehicle")

urlpatterns = [path("search/", views.SearchView.as_view(), name="api-search"), *router.urls]
