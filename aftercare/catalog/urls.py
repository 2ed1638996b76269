from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("package-jobs/<int:pk>/lines/", views.package_lines, name="package_lines"),
    path("<slug:kind>/", views.item_list, name="item_list"),
    path("<slug:kind>/new/", views.item_create, name="item_create"),
    path("<slug:kind>/<int:pk>/", views.item_detail, name="item_detail"),
]
