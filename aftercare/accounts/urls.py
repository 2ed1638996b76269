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
    path("users/<int:pk>/revoke-tokens/", views.user_tokens_revoke, name="user_tokens_revoke"),
    path("account/tokens/", views.my_tokens, name="my_tokens"),
    path("account/tokens/<int:pk>/revoke/", views.my_token_revoke, name="my_token_revoke"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("permissions/", views.permission_matrix, name="permission_matrix"),
]
