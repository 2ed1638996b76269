from django.urls import path

from . import views

urlpatterns = [
    path("", views.ReportListView.as_view(), name="api-reports"),
    path("<slug:slug>/", views.ReportView.as_view(), name="api-report"),
    path("<slug:slug>/group/", views.ReportGroupView.as_view(), name="api-report-group"),
]
