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
    path("users/<int:pk>/two-factor-reset/", views.user_two_factor_reset, name="user_two_factor_reset"),
    path("account/security/", views.my_security, name="my_security"),
    path("account/security/recovery-codes/", views.recovery_codes_renew, name="recovery_codes_renew"),
    path("account/sessions/<int:pk>/end/", views.my_session_end, name="my_session_end"),
    path("account/sessions/end-all/", views.my_sessions_end_all, name="my_sessions_end_all"),
    path("account/notices/read/", views.my_notices_read, name="my_notices_read"),
    path("account/tokens/", views.my_tokens, name="my_tokens"),
    path("account/tokens/new/", views.my_token_issue, name="my_token_issue"),
    path("account/tokens/<int:pk>/revoke/", views.my_token_revoke, name="my_token_revoke"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
    path("permissions/", views.permission_matrix, name="permission_matrix"),
]
