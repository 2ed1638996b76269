from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("firings/", views.firings, name="firings"),
    path("vehicles/<int:pk>/forecast/", views.vehicle_forecast, name="vehicle_forecast"),
    path("solicitation/", views.solicitation, name="solicitation"),
    path("solicitation/<int:pk>/outcome/", views.solicitation_outcome, name="solicitation_outcome"),
    path("segments/", views.segments, name="segments"),
    path("segments/<int:pk>/", views.segment, name="segment"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    path("campaigns/<int:pk>/invite/", views.campaign_invite, name="campaign_invite"),
    path("campaigns/<int:pk>/offer/", views.campaign_offer, name="campaign_offer"),
    path("campaigns/<int:pk>/attribute/", views.campaign_attribute, name="campaign_attribute"),
    path("repair-orders/<int:pk>/recommendations/", views.order_recommendations, name="order_recommendations"),
    path(
        "repair-orders/<int:pk>/recommendations/<int:rule>/add/",
        views.order_recommendation_add,
        name="order_recommendation_add",
    ),
    path("recommendations/", views.recommendation_rules, name="recommendation_rules"),
    path("recommendations/new/", views.recommendation_rule_new, name="recommendation_rule_new"),
    path("recommendations/<int:pk>/", views.recommendation_rule_edit, name="recommendation_rule_edit"),
    path("recommendations/<int:pk>/toggle/", views.recommendation_rule_toggle, name="recommendation_rule_toggle"),
]
