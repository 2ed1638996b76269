from django.urls import path

from . import views

urlpatterns = [
    path("vehicles/<int:pk>/readings/", views.ReadingsView.as_view(), name="api-ev-readings"),
    path("vehicles/<int:pk>/codes/", views.CodesView.as_view(), name="api-ev-codes"),
    path("vehicles/<int:pk>/versions/", views.VersionsView.as_view(), name="api-ev-versions"),
    path("vehicles/<int:pk>/forecast/", views.ForecastView.as_view(), name="api-ev-forecast"),
    path("forecasts/", views.ForecastsDueView.as_view(), name="api-ev-forecasts"),
    path("imports/<str:kind>/", views.ImportView.as_view(), name="api-ev-import"),
]
