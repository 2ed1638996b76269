from django.urls import path

from . import views

urlpatterns = [
    path("rules/", views.RulesView.as_view(), name="api-crm-rules"),
    path("firings/", views.FiringsView.as_view(), name="api-crm-firings"),
    path("customers/<int:pk>/segment/", views.ProfileView.as_view(), name="api-crm-segment"),
    path("vehicles/<int:pk>/forecast/", views.ForecastView.as_view(), name="api-crm-forecast"),
]
