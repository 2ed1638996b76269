from django.urls import path

from . import views

urlpatterns = [
    path("enrolments/", views.EnrolmentsView.as_view(), name="api-vic-enrolments"),
    path("enrolments/<int:pk>/end/", views.EnrolmentEndView.as_view(), name="api-vic-enrolment-end"),
    path("directory/", views.DirectoryView.as_view(), name="api-vic-directory"),
    path("visits/", views.VisitsView.as_view(), name="api-vic-visits"),
    path("visits/<int:pk>/acknowledge/", views.VisitAcknowledgeView.as_view(), name="api-vic-visit-acknowledge"),
    path("bookings/", views.BookingsView.as_view(), name="api-vic-bookings"),
    path("bookings/<int:pk>/handover/", views.BookingHandoverView.as_view(), name="api-vic-booking-handover"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="api-vic-booking-cancel"),
    path("handovers/<int:pk>/sign-link/", views.HandoverSignLinkView.as_view(), name="api-vic-handover-sign-link"),
    path("cars/", views.CarsView.as_view(), name="api-vic-cars"),
    path("loans/", views.LoansView.as_view(), name="api-vic-loans"),
    path("loans/report/", views.LoanReportView.as_view(), name="api-vic-loan-report"),
    path("loans/<int:pk>/hand-out/", views.LoanActionView.as_view(action="hand-out"), name="api-vic-loan-hand-out"),
    path("loans/<int:pk>/return/", views.LoanActionView.as_view(action="return"), name="api-vic-loan-return"),
    path("loans/<int:pk>/cancel/", views.LoanActionView.as_view(action="cancel"), name="api-vic-loan-cancel"),
    path("loans/<int:pk>/charges/", views.LoanChargesView.as_view(), name="api-vic-loan-charges"),
    path("events/", views.EventsView.as_view(), name="api-vic-events"),
    path("events/<int:pk>/invitations/", views.InvitationsView.as_view(), name="api-vic-invitations"),
    path("invitations/<int:pk>/check-in/", views.CheckInView.as_view(), name="api-vic-check-in"),
    path("errands/", views.ErrandsView.as_view(), name="api-vic-errands"),
    path("errands/<int:pk>/transition/", views.ErrandMoveView.as_view(), name="api-vic-errand-transition"),
]
