"""/api/v1/vic/: enrolments, the group directory, visits, pick-ups and returns, courtesy cars and
loans with their monthly report, events with invitations, and errands (docs/DOMAIN.md §13.3).
Every read starts from for_user(); a row of a store the user may not act on is a 404."""

from datetime import date

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.accounts.models import User
from aftercare.core.api.permissions import only_store_id, require
from aftercare.core.models import Store
from aftercare.core.permissions import Perm
from aftercare.customers.models import Customer, Vehicle
from aftercare.service.models import RepairOrder

from .. import selectors, services
from ..models import (
    CourtesyCar,
    CourtesyLoan,
    Errand,
    Handover,
    Invitation,
    PickupBooking,
    VicEnrolment,
    VicEvent,
)
from . import serializers as s

LIST_LIMIT = 200
STORE = OpenApiParameter("store", int, description="The store (needed when you work in several).")


def _store_param(request) -> int | None:
    """The `store` query parameter as an id the database can hold, or None when absent."""
    wanted = request.query_params.get("store")
    if not wanted:
        return None
    if not wanted.isdigit() or len(wanted) > 9:
        raise ValidationError({"store": ["Give the store id."]})
    return int(wanted)


def _store(request, perm):
    wanted = _store_param(request)
    ids = request.user.store_ids(perm)
    if wanted is not None:
        return get_object_or_404(Store.objects.filter(pk__in=ids), pk=wanted)
    return Store.objects.get(pk=only_store_id(list(ids)))


def _valid(serializer_class, request):
    incoming = serializer_class(data=request.data)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def _customer(request, pk, store, field="customer"):
    customer = Customer.objects.for_user(request.user, Perm.CUSTOMER_VIEW).filter(pk=pk, store=store).first()
    if customer is None:
        raise ValidationError({field: ["No such customer in this store."]})
    return customer


def _staff(pk, field):
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: ["No such member of staff."]})
    return user


def _listed(queryset, request):
    store = _store_param(request)
    if store is not None:
        queryset = queryset.filter(store_id=store)
    return queryset[:LIST_LIMIT]


class EnrolmentsView(APIView):
    def get_permissions(self):
        return [require(Perm.VIC_ENROL if self.request.method == "POST" else Perm.VIC_VIEW)()]

    @extend_schema(parameters=[STORE], responses=s.EnrolmentSerializer(many=True))
    def get(self, request):
        rows = (
            VicEnrolment.objects.for_user(request.user, Perm.VIC_VIEW).active().select_related("customer", "specialist")
        )
        return Response(s.EnrolmentSerializer(_listed(rows.order_by("-id"), request), many=True).data)

    @extend_schema(parameters=[STORE], request=s.EnrolInput, responses={201: s.EnrolmentSerializer})
    def post(self, request):
        data = _valid(s.EnrolInput, request)
        store = _store(request, Perm.VIC_ENROL)
        enrolment = services.enrol(
            actor=request.user,
            customer=_customer(request, data["customer"], store),
            specialist=_staff(data["specialist"], "specialist"),
            reason=data["reason"],
        )
        return Response(s.EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class EnrolmentEndView(APIView):
    permission_classes = [require(Perm.VIC_ENROL)]

    @extend_schema(request=s.ReasonInput, responses=s.EnrolmentSerializer)
    def post(self, request, pk):
        enrolment = get_object_or_404(VicEnrolment.objects.for_user(request.user, Perm.VIC_ENROL), pk=pk)
        data = _valid(s.ReasonInput, request)
        return Response(
            s.EnrolmentSerializer(
                services.enrolment_end(actor=request.user, enrolment=enrolment, reason=data["reason"])
            ).data
        )


class DirectoryView(APIView):
    permission_classes = [require(Perm.VIC_VIEW)]

    @extend_schema(responses=s.DirectorySerializer(many=True))
    def get(self, request):
        rows = [
            {
                "store": store.pk,
                "store_name": store.name,
                "phone": store.phone,
                "rescue_phone": store.rescue_phone,
                "specialists": [{"id": u.pk, "name": str(u), "mobile": u.mobile} for u in people],
            }
            for store, people in selectors.directory(request.user)
        ]
        return Response(s.DirectorySerializer(rows, many=True).data)


class VisitsView(APIView):
    permission_classes = [require(Perm.VIC_VIEW)]

    @extend_schema(parameters=[STORE], responses=s.VisitSerializer(many=True))
    def get(self, request):
        rows = selectors.visits_for(request.user).select_related("repair_order", "enrolment")
        return Response(s.VisitSerializer(rows[:LIST_LIMIT], many=True).data)


class VisitAcknowledgeView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=None, responses=s.VisitSerializer)
    def post(self, request, pk):
        visit = get_object_or_404(selectors.visits_for(request.user).select_related("enrolment__store"), pk=pk)
        return Response(s.VisitSerializer(services.visit_acknowledge(actor=request.user, visit=visit)).data)


class BookingsView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(parameters=[STORE], responses=s.BookingSerializer(many=True))
    def get(self, request):
        rows = PickupBooking.objects.for_user(request.user, Perm.VIC_WORK).select_related("at_customer", "at_store")
        return Response(s.BookingSerializer(_listed(rows.order_by("-window_start"), request), many=True).data)

    @extend_schema(parameters=[STORE], request=s.BookingInput, responses={201: s.BookingSerializer})
    def post(self, request):
        data = _valid(s.BookingInput, request)
        store = _store(request, Perm.VIC_WORK)
        customer = _customer(request, data.pop("customer"), store)
        vehicle = Vehicle.objects.filter(pk=data.pop("vehicle"), store=store, owner=customer).first()
        if vehicle is None:
            raise ValidationError({"vehicle": ["Choose one of the customer's vehicles."]})
        driver = _staff(data.pop("driver"), "driver")
        booking = services.booking_create(
            actor=request.user, store=store, customer=customer, vehicle=vehicle, driver=driver, **data
        )
        return Response(s.BookingSerializer(booking).data, status=status.HTTP_201_CREATED)


class BookingHandoverView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=s.BookingHandoverInput, responses={201: s.HandoverSerializer})
    def post(self, request, pk):
        booking = get_object_or_404(PickupBooking.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        data = _valid(s.BookingHandoverInput, request)
        handover = services.booking_handover(actor=request.user, booking=booking, **data)
        return Response(s.HandoverSerializer(handover).data, status=status.HTTP_201_CREATED)


class BookingCancelView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=None, responses=s.BookingSerializer)
    def post(self, request, pk):
        booking = get_object_or_404(PickupBooking.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        return Response(s.BookingSerializer(services.booking_cancel(actor=request.user, booking=booking)).data)


class HandoverSignLinkView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=None, responses={201: s.LinkSerializer})
    def post(self, request, pk):
        handover = get_object_or_404(Handover.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        customer = selectors.handover_customer(handover)
        url = services.sign_link_send(actor=request.user, handover=handover, customer=customer)
        return Response({"url": url}, status=status.HTTP_201_CREATED)


class CarsView(APIView):
    def get_permissions(self):
        return [require(Perm.VIC_WORK if self.request.method == "POST" else Perm.VIC_VIEW)()]

    @extend_schema(parameters=[STORE], responses=s.CarSerializer(many=True))
    def get(self, request):
        return Response(
            s.CarSerializer(_listed(CourtesyCar.objects.for_user(request.user, Perm.VIC_VIEW), request), many=True).data
        )

    @extend_schema(parameters=[STORE], request=s.CarSerializer, responses={201: s.CarSerializer})
    def post(self, request):
        data = _valid(s.CarSerializer, request)
        car = services.car_add(actor=request.user, store=_store(request, Perm.VIC_WORK), **data)
        return Response(s.CarSerializer(car).data, status=status.HTTP_201_CREATED)


class LoansView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(parameters=[STORE], responses=s.LoanSerializer(many=True))
    def get(self, request):
        rows = (
            CourtesyLoan.objects.for_user(request.user, Perm.VIC_WORK)
            .select_related("handed_out", "returned")
            .prefetch_related("charges")
            .order_by("-starts_at")
        )
        return Response(s.LoanSerializer(_listed(rows, request), many=True).data)

    @extend_schema(request=s.LoanInput, responses={201: s.LoanSerializer})
    def post(self, request):
        data = _valid(s.LoanInput, request)
        car = CourtesyCar.objects.for_user(request.user, Perm.VIC_WORK).filter(pk=data["car"]).first()
        if car is None:
            raise ValidationError({"car": ["No such courtesy car."]})
        order = None
        if data.get("repair_order"):
            order = RepairOrder.objects.filter(pk=data["repair_order"], store=car.store).first()
            if order is None:
                raise ValidationError({"repair_order": ["No such repair order in this store."]})
        loan = services.loan_book(
            actor=request.user,
            car=car,
            customer=_customer(request, data["customer"], car.store),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            repair_order=order,
        )
        return Response(s.LoanSerializer(loan).data, status=status.HTTP_201_CREATED)


class LoanActionView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]
    action = ""

    @extend_schema(request=s.HandoverInput, responses=s.LoanSerializer)
    def post(self, request, pk):
        loan = get_object_or_404(CourtesyLoan.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        if self.action == "cancel":
            loan = services.loan_cancel(actor=request.user, loan=loan)
        else:
            data = _valid(s.HandoverInput, request)
            act = services.loan_hand_out if self.action == "hand-out" else services.loan_return
            loan = act(actor=request.user, loan=loan, **data)
        return Response(s.LoanSerializer(loan).data)


class LoanChargesView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=s.ChargeInput, responses={201: s.ChargeSerializer})
    def post(self, request, pk):
        loan = get_object_or_404(CourtesyLoan.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        charge = services.loan_charge_add(actor=request.user, loan=loan, **_valid(s.ChargeInput, request))
        return Response(s.ChargeSerializer(charge).data, status=status.HTTP_201_CREATED)


class LoanReportView(APIView):
    permission_classes = [require(Perm.VIC_VIEW)]

    @extend_schema(
        parameters=[STORE, OpenApiParameter("month", str, description="YYYY-MM")],
        responses=s.LoanReportRowSerializer(many=True),
    )
    def get(self, request):
        store = _store(request, Perm.VIC_VIEW)
        return Response(
            s.LoanReportRowSerializer(
                selectors.loan_report(request.user, store, _month(request.query_params.get("month"))), many=True
            ).data
        )


def _month(text: str | None) -> date:
    if not text:
        return timezone.localdate().replace(day=1)
    try:
        year, month = (int(part) for part in text.split("-"))
        if not 2000 <= year <= 2100:
            raise ValueError(year)
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationError({"month": ["Give the month as YYYY-MM."]}) from None


class EventsView(APIView):
    def get_permissions(self):
        return [require(Perm.VIC_WORK if self.request.method == "POST" else Perm.VIC_VIEW)()]

    @extend_schema(parameters=[STORE], responses=s.EventSerializer(many=True))
    def get(self, request):
        return Response(
            s.EventSerializer(_listed(VicEvent.objects.for_user(request.user, Perm.VIC_VIEW), request), many=True).data
        )

    @extend_schema(parameters=[STORE], request=s.EventInput, responses={201: s.EventSerializer})
    def post(self, request):
        data = _valid(s.EventInput, request)
        event = services.event_create(actor=request.user, store=_store(request, Perm.VIC_WORK), **data)
        return Response(s.EventSerializer(event).data, status=status.HTTP_201_CREATED)


class InvitationsView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(responses=s.InvitationSerializer(many=True))
    def get(self, request, pk):
        event = get_object_or_404(VicEvent.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        rows = event.invitations.select_related("customer")[:LIST_LIMIT]
        return Response(s.InvitationSerializer(rows, many=True).data)

    @extend_schema(request=s.InviteInput, responses={201: s.InvitationSerializer})
    def post(self, request, pk):
        event = get_object_or_404(VicEvent.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        customer = _customer(request, _valid(s.InviteInput, request)["customer"], event.store)
        invitation = services.invite(actor=request.user, event=event, customer=customer)
        return Response(s.InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class CheckInView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=s.CheckInInput, responses=s.InvitationSerializer)
    def post(self, request, pk):
        invitation = get_object_or_404(
            Invitation.objects.for_user(request.user, Perm.VIC_WORK).select_related("event__store"), pk=pk
        )
        data = _valid(s.CheckInInput, request)
        return Response(
            s.InvitationSerializer(services.check_in(actor=request.user, invitation=invitation, **data)).data
        )


class ErrandsView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(parameters=[STORE], responses=s.ErrandSerializer(many=True))
    def get(self, request):
        rows = Errand.objects.for_user(request.user, Perm.VIC_WORK).order_by("-id")
        return Response(s.ErrandSerializer(_listed(rows, request), many=True).data)

    @extend_schema(parameters=[STORE], request=s.ErrandInput, responses={201: s.ErrandSerializer})
    def post(self, request):
        data = _valid(s.ErrandInput, request)
        store = _store(request, Perm.VIC_WORK)
        customer = _customer(request, data.pop("customer"), store)
        vehicle = None
        if data.get("vehicle"):
            vehicle = Vehicle.objects.filter(pk=data["vehicle"], store=store).first()
            if vehicle is None:
                raise ValidationError({"vehicle": ["No such vehicle in this store."]})
        data.pop("vehicle", None)
        errand = services.errand_create(
            actor=request.user,
            store=store,
            customer=customer,
            vehicle=vehicle,
            assigned_to=_staff(data.pop("assigned_to"), "assigned_to"),
            **data,
        )
        return Response(s.ErrandSerializer(errand).data, status=status.HTTP_201_CREATED)


class ErrandMoveView(APIView):
    permission_classes = [require(Perm.VIC_WORK)]

    @extend_schema(request=s.ErrandMoveInput, responses=s.ErrandSerializer)
    def post(self, request, pk):
        errand = get_object_or_404(Errand.objects.for_user(request.user, Perm.VIC_WORK), pk=pk)
        return Response(
            s.ErrandSerializer(
                services.errand_move(actor=request.user, errand=errand, **_valid(s.ErrandMoveInput, request))
            ).data
        )
