from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.complaint_list, name="list"),
    path("new/", views.complaint_create, name="create"),
    path("opinions/", views.opinions, name="opinions"),
    path("settings/", views.complaint_settings, name="settings"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/handling/", views.complaint_update, name="update"),
    path("<int:pk>/move/", views.complaint_move, name="move"),
    path("<int:pk>/resolve/", views.complaint_resolve, name="resolve"),
    path("<int:pk>/close/", views.complaint_close, name="close"),
]
