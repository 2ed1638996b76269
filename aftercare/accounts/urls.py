from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("stores/", views.store_list, name="store_list"),
    path("stores/switch/", views.switch_store, name="switch_store"),
    path("stores/<int:pk>/", views.store_detail, name="store_detail"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("permissions/", views.permission_matrix, name="permission_matrix"),
]
