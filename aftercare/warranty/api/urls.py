from django.urls import path

from . import views

urlpatterns = [
    path("policies/", views.PoliciesView.as_view(), name="api-warranty-policies"),
    path("eligibility/", views.EligibilityView.as_view(), name="api-warranty-eligibility"),
    path("claims/", views.ClaimsView.as_view(), name="api-warranty-claims"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="api-warranty-claim"),
    path("claims/<int:pk>/transition/", views.ClaimTransitionView.as_view(), name="api-warranty-claim-transition"),
    path("imports/<str:kind>/", views.ImportView.as_view(), name="api-warranty-import"),
]
