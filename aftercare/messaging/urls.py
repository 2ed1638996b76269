from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("", views.log, name="log"),
    path("customers/<int:pk>/", views.customer_panel, name="customer_panel"),
    path("customers/<int:pk>/send/", views.send, name="send"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("templates/", views.templates, name="templates"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("templates/preview/", views.template_preview, name="template_preview"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/new/", views.account_edit, name="account_new"),
    path("accounts/<int:pk>/", views.account_edit, name="account_edit"),
    path("settings/", views.store_settings, name="settings"),
]
