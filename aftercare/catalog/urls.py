from django.urls import path

from . import import_views, views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("package-jobs/<int:pk>/lines/", views.package_lines, name="package_lines"),
    path("import/", import_views.catalog_import, name="import"),
    path("import/preview/", import_views.catalog_import_preview, name="import_preview"),
    path("import/run/", import_views.catalog_import_run, name="import_run"),
    path("import/result/", import_views.catalog_import_result, name="import_result"),
    path("import/template/<slug:kind>/", import_views.import_template, name="import_template"),
    path("<slug:kind>/export/<str:fmt>/", import_views.item_export, name="item_export"),
    path("<slug:kind>/", views.item_list, name="item_list"),
    path("<slug:kind>/new/", views.item_create, name="item_create"),
    path("<slug:kind>/<int:pk>/", views.item_detail, name="item_detail"),
]
