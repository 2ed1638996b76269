from django.urls import path

from . import views

app_name = "workshop"

urlpatterns = [
    path("board/", views.board, name="board"),
    path("findings/", views.findings, name="findings"),
    path("my-jobs/", views.my_jobs, name="my_jobs"),
    path("jobs/<int:line_pk>/clock-on/", views.clock_on, name="clock_on"),
    path("jobs/<int:line_pk>/clock-off/", views.clock_off, name="clock_off"),
    path("jobs/<int:line_pk>/findings/", views.finding_report, name="finding_report"),
    path("repair-orders/<int:pk>/panel/", views.order_panel, name="order_panel"),
    path("repair-orders/<int:pk>/lines/<int:line_pk>/dispatch/", views.dispatch, name="dispatch"),
    path("repair-orders/<int:pk>/dispatch/", views.dispatch_many, name="dispatch_many"),
    path("repair-orders/<int:pk>/quality-check/", views.quality_check, name="quality_check"),
    path("repair-orders/<int:pk>/wash/", views.wash, name="wash"),
    path("repair-orders/<int:pk>/findings/<int:finding_pk>/propose/", views.finding_propose, name="finding_propose"),
]
