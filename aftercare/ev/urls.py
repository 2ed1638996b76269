from django.urls import path

from . import import_views, views

app_name = "ev"

urlpatterns = [
    path("vehicles/<int:pk>/panel/", views.vehicle_panel, name="vehicle_panel"),
    path("vehicles/<int:pk>/readings/", views.reading_add, name="reading_add"),
    path("vehicles/<int:pk>/versions/", views.version_add, name="version_add"),
    path("battery-forecasts/", views.forecast_list, name="forecast_list"),
    path("import/", import_views.upload, name="import"),
    path("import/preview/", import_views.preview, name="import_preview"),
    path("import/run/", import_views.run, name="import_run"),
    path("import/result/", import_views.result, name="import_result"),
    path("import/template/<str:kind>/", import_views.template, name="import_template"),
]
