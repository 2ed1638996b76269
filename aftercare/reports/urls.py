from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("kpis/", views.kpis, name="kpis"),
    path("", views.index, name="index"),
    path("targets/edit/", views.targets_edit, name="targets_edit"),
    path("<slug:slug>/", views.report_page, name="report"),
    path("<slug:slug>/group/", views.group_page, name="group"),
    path("<slug:slug>/drill/", views.drill_page, name="drill"),
]
