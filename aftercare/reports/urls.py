from django.urls import path

from . import crm_views, import_views, views

app_name = "reports"

urlpatterns = [
    path("kpis/", views.kpis, name="kpis"),
    path("crm/", crm_views.crm_report, name="crm_report"),
    path("crm/generate/", crm_views.crm_report_generate_view, name="crm_report_generate"),
    path("crm/<int:pk>/pdf/", crm_views.crm_report_pdf, name="crm_report_pdf"),
    path("crm/<int:pk>/xlsx/", crm_views.crm_report_xlsx, name="crm_report_xlsx"),
    path("crm/<int:pk>/<slug:key>/", crm_views.crm_report_drill, name="crm_report_drill"),
    path("", views.index, name="index"),
    path("targets/edit/", views.targets_edit, name="targets_edit"),
    path("targets/labour-cost/", views.labour_cost_edit, name="labour_cost_edit"),
    path("targets/import/", import_views.target_import, name="target_import"),
    path("targets/import/preview/", import_views.target_import_preview, name="target_import_preview"),
    path("targets/import/run/", import_views.target_import_run, name="target_import_run"),
    path("targets/import/result/", import_views.target_import_result, name="target_import_result"),
    path("targets/import/template/<str:kind>/", import_views.target_import_template, name="target_import_template"),
    path("<slug:slug>/", views.report_page, name="report"),
    path("<slug:slug>/group/", views.group_page, name="group"),
    path("<slug:slug>/drill/", views.drill_page, name="drill"),
]
