from django.urls import path

from . import views

app_name = "ev"

urlpatterns = [
    path("vehicles/<int:pk>/panel/", views.vehicle_panel, name="vehicle_panel"),
    path("vehicles/<int:pk>/readings/", views.reading_add, name="reading_add"),
    path("vehicles/<int:pk>/versions/", views.version_add, name="version_add"),
    path("battery-forecasts/", views.forecast_list, name="forecast_list"),
]
