from django.urls import path

from . import views

app_name = "desk"

urlpatterns = [
    path("rescues/", views.rescue_board, name="rescue_board"),
    path("rescues/new/", views.rescue_new, name="rescue_new"),
    path("rescues/<int:pk>/", views.rescue_detail, name="rescue_detail"),
    path("rescues/<int:pk>/dispatch/", views.rescue_dispatch, name="rescue_dispatch"),
    path("rescues/<int:pk>/move/<str:to>/", views.rescue_move, name="rescue_move"),
    path("rescues/<int:pk>/finish/", views.rescue_finish, name="rescue_finish"),
    path("rescues/<int:pk>/claim/", views.rescue_claim, name="rescue_claim"),
    path("faq/", views.faq, name="faq"),
    path("faq/new/", views.faq_edit, name="faq_new"),
    path("faq/report/", views.faq_report, name="faq_report"),
    path("faq/<int:pk>/", views.faq_entry, name="faq_entry"),
    path("faq/<int:pk>/edit/", views.faq_edit, name="faq_edit"),
    path("events/", views.events, name="events"),
    path("events/notices/<int:pk>/ack/", views.notice_acknowledge, name="notice_acknowledge"),
    path("customers/<int:customer_pk>/event/", views.event_new, name="event_new"),
    path("customers/<int:customer_pk>/panel/", views.customer_panel, name="customer_panel"),
    path("customers/<int:customer_pk>/recovery/", views.recovery_open, name="recovery_open"),
    path("recoveries/", views.recoveries, name="recoveries"),
    path("recoveries/<int:pk>/", views.recovery_detail, name="recovery_detail"),
    path("recoveries/<int:pk>/fix/", views.recovery_fix, name="recovery_fix"),
    path("recoveries/<int:pk>/approve/", views.recovery_approve, name="recovery_approve"),
]
