from django.urls import path

from . import views

urlpatterns = [
    path("jobs/", views.JobListView.as_view(), name="api-workshop-jobs"),
    path("lines/<int:line_pk>/dispatch/", views.DispatchView.as_view(), name="api-workshop-dispatch"),
    path("lines/<int:line_pk>/clock-on/", views.ClockOnView.as_view(), name="api-workshop-clock-on"),
    path("lines/<int:line_pk>/clock-off/", views.ClockOffView.as_view(), name="api-workshop-clock-off"),
    path("board/", views.BoardView.as_view(), name="api-workshop-board"),
    path("repair-orders/<int:pk>/quality-check/", views.QualityCheckView.as_view(), name="api-workshop-qc"),
    path("repair-orders/<int:pk>/wash/", views.WashView.as_view(), name="api-workshop-wash"),
]
