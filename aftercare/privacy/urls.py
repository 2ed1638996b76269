from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/identity/", views.request_identity, name="request_identity"),
    path("requests/<int:pk>/start/", views.request_start, name="request_start"),
    path("requests/<int:pk>/export/", views.request_export, name="request_export"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("requests/<int:pk>/correct/", views.request_correct, name="request_correct"),
    path("requests/<int:pk>/erase/", views.request_erase, name="request_erase"),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
    path("requests/<int:pk>/download/", views.request_download, name="request_download"),
    path("d/<str:token>/", views.download, name="download"),
    path("access/", views.access_home, name="access"),
    path("access/customers/<int:pk>/", views.access_customer, name="access_customer"),
    path("access/users/<int:pk>/", views.access_user, name="access_user"),
    path("access/alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("retention/", views.retention_page, name="retention"),
    path("retention/dry-run/", views.retention_dry_run, name="retention_dry_run"),
    path("retention/approve/", views.retention_approve, name="retention_approve"),
]
