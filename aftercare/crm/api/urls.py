from django.urls import path

from . import views

urlpatterns = [
    path("rules/", views.RulesView.as_view(), name="api-crm-rules"),
    path("firings/", views.FiringsView.as_view(), name="api-crm-firings"),
    path("customers/<int:pk>/segment/", views.ProfileView.as_view(), name="api-crm-segment"),
    path("vehicles/<int:pk>/forecast/", views.ForecastView.as_view(), name="api-crm-forecast"),
    path("segments/", views.SegmentsView.as_view(), name="api-crm-segments"),
    path("segments/<int:pk>/count/", views.SegmentCountView.as_view(), name="api-crm-segment-count"),
    path("segments/<int:pk>/members/", views.SegmentMembersView.as_view(), name="api-crm-segment-members"),
    path("campaigns/", views.CampaignsView.as_view(), name="api-crm-campaigns"),
    path("campaigns/<int:pk>/results/", views.CampaignResultsView.as_view(), name="api-crm-campaign-results"),
]
