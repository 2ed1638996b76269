from django.urls import path

from . import views

urlpatterns = [
    path("", views.RecordsView.as_view(), name="api-health-records"),
    path("export/", views.ExportView.as_view(), name="api-health-records-export"),
    path("<int:pk>/", views.RecordDetailView.as_view(), name="api-health-record"),
]
