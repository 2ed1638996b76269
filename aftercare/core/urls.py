from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("deletions/", views.deletion_log, name="deletion_log"),
    path("deletions/<int:pk>/", views.deletion_detail, name="deletion_detail"),
    path("delete/<slug:kind>/<int:pk>/", views.document_delete_view, name="document_delete"),
    path("backups/", views.backup_list, name="backup_list"),
    path("backups/run/", views.backup_now, name="backup_now"),
    path("background/", views.background_health_page, name="background_health"),
    path("background/alerts/<int:pk>/ack/", views.alert_acknowledge, name="alert_acknowledge"),
    path("health/", views.health_endpoint, name="health"),
]
