from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("firings/", views.firings, name="firings"),
    path("vehicles/<int:pk>/forecast/", views.vehicle_forecast, name="vehicle_forecast"),
    path("solicitation/", views.solicitation, name="solicitation"),
    path("solicitation/<int:pk>/outcome/", views.solicitation_outcome, name="solicitation_outcome"),
]
