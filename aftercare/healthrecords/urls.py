from django.urls import path

from . import views

app_name = "healthrecords"

urlpatterns = [
    path("", views.record_list, name="list"),
    path("export/", views.export, name="export"),
    path("settings/", views.settings_edit, name="settings"),
    path("<int:pk>/", views.record_detail, name="detail"),
    path("<int:pk>/correct/", views.correct, name="correct"),
    path("<int:pk>/resend/", views.resend, name="resend"),
    path("repair-orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("vehicles/<int:pk>/panel/", views.vehicle_panel, name="vehicle_panel"),
]
