from django.urls import path

from . import import_views, views

app_name = "warranty"

urlpatterns = [
    path("", views.claim_list, name="claims"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/lines/", views.claim_line_add, name="claim_line_add"),
    path("claims/<int:pk>/lines/<int:line>/remove/", views.claim_line_remove, name="claim_line_remove"),
    path("claims/<int:pk>/move/<str:to>/", views.claim_move, name="claim_move"),
    path("claims/export/<str:fmt>/", views.claims_export, name="claims_export"),
    path("orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("orders/<int:pk>/claim/", views.claim_build, name="claim_build"),
    path("orders/<int:pk>/override/", views.override_request, name="override_request"),
    path("overrides/<int:pk>/<str:decision>/", views.override_decide, name="override_decide"),
    path("vehicles/<int:pk>/panel/", views.vehicle_panel, name="vehicle_panel"),
    path("vehicles/<int:pk>/extended/", views.extended_warranty_sell, name="extended_sell"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:pk>/", views.policy_edit, name="policy_edit"),
    path("deadlines/", views.deadline_save, name="deadline_save"),
    path("files/", views.exchange_list, name="exchange"),
    path("reports/", views.report_list, name="reports"),
    path("reports/<str:kind>/", views.report_export, name="report_export"),
    path("import/", import_views.upload, name="import"),
    path("import/preview/", import_views.preview, name="import_preview"),
    path("import/run/", import_views.run, name="import_run"),
    path("import/result/", import_views.result, name="import_result"),
    path("import/template/<str:kind>/", import_views.template, name="import_template"),
]
