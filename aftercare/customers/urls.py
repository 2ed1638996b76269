from django.urls import path

from . import import_views, views

app_name = "customers"

urlpatterns = [
    path("search/", views.search, name="search"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/import/", import_views.customer_import, name="customer_import"),
    path("customers/import/preview/", import_views.customer_import_preview, name="customer_import_preview"),
    path("customers/import/run/", import_views.customer_import_run, name="customer_import_run"),
    path("customers/import/result/", import_views.customer_import_result, name="customer_import_result"),
    path("customers/import/template/<str:kind>/", import_views.import_template, name="import_template"),
    path("customers/export/<str:fmt>/", import_views.customer_export, name="customer_export"),
    path("vehicles/export/<str:fmt>/", import_views.vehicle_export, name="vehicle_export"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/reveal/", views.contact_reveal, name="contact_reveal"),
    path("customers/<int:pk>/consent/", views.consent_record, name="consent_record"),
    path("customers/<int:pk>/merge/", views.customer_merge, name="customer_merge"),
    path("customers/<int:pk>/unmerge/", views.customer_merge_undo, name="customer_merge_undo"),
    path("customers/<int:customer_pk>/vehicles/new/", views.vehicle_create, name="vehicle_create"),
    path("vehicles/<int:pk>/", views.vehicle_detail, name="vehicle_detail"),
    path("vehicles/<int:pk>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path("vehicles/<int:pk>/odometer/", views.odometer_record, name="odometer_record"),
    path("vehicles/<int:pk>/transfer/", views.vehicle_transfer, name="vehicle_transfer"),
]
