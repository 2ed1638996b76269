from django.urls import path

from . import views

app_name = "appointments"

urlpatterns = [
    path("appointments/", views.day_view, name="day"),
    path("appointments/week/", views.week_view, name="week"),
    path("appointments/new/", views.appointment_create, name="create"),
    path("appointments/slots/", views.slots, name="slots"),
    path("appointments/export/", views.appointment_export, name="export"),
    path("appointments/statistics/", views.statistics, name="statistics"),
    path("appointments/<int:pk>/", views.appointment_detail, name="detail"),
    path("appointments/<int:pk>/edit/", views.appointment_edit, name="edit"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="cancel"),
    path("appointments/<int:pk>/arrived/", views.appointment_arrived, name="arrived"),
    path("appointments/<int:pk>/no-show/", views.appointment_no_show, name="no_show"),
    path("appointments/<int:pk>/convert/", views.appointment_convert, name="convert"),
]
