from django.urls import path

from . import views

app_name = "vic"

urlpatterns = [
    path("", views.enrolments, name="enrolments"),
    path("enrolments/<int:pk>/end/", views.enrolment_end, name="enrolment_end"),
    path("rule/", views.rule_save, name="rule_save"),
    path("visits/", views.visits, name="visits"),
    path("visits/<int:pk>/acknowledge/", views.visit_acknowledge, name="visit_acknowledge"),
    path("directory/", views.directory, name="directory"),
    path("trips/", views.bookings, name="bookings"),
    path("trips/<int:pk>/", views.booking, name="booking"),
    path("trips/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("handovers/<int:pk>/sign-link/", views.sign_link, name="sign_link"),
    path("courtesy-cars/", views.loans, name="loans"),
    path("courtesy-cars/loans/<int:pk>/", views.loan, name="loan"),
    path("courtesy-cars/report/", views.loan_report, name="loan_report"),
    path("events/", views.events, name="events"),
    path("events/<int:pk>/", views.event, name="event"),
    path("invitations/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("errands/", views.errands, name="errands"),
    path("errands/<int:pk>/move/", views.errand_move, name="errand_move"),
]
