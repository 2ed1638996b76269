from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("kpis/", views.kpis, name="kpis"),
]
