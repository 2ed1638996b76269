from django.urls import path

from aftercare.core.api.routers import Router

from . import views

router = Router()
router.register("stores", views.StoreViewSet, basename="store")

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="api-token"),
    path("me/", views.MeView.as_view(), name="api-me"),
    *router.urls,
]
