from django.urls import path

from . import import_views, views

app_name = "reports"

urlpatterns = [
    path("kpis/", views.kpis, name="kpis"),
    path("", views.index, name="index"),
    path("targets/edit/", views.targets_edit, name="targets_edit"),
    path("targets/import/", import_views.target_import, name="target_import"),
    path("targets/import/preview/", import_views.target_import_preview, name="target_import_preview"),
    path("targets/import/run/", import_views.target_import_run, name="target_import_run"),
    path("targets/import/result/", import_views.target_import_result, name="target_import_result"),
    path("targets/import/template/<str:kind>/", import_views.target_import_template, name="target_import_template"),
    path("<slug:slug>/", views.report_page, name="report"),
    path("<slug:slug>/group/", views.group_page, name="group"),
    path("<slug:slug>/drill/", views.drill_page, name="drill"),
]
