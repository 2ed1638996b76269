"""/api/v1/crm/: the rules, their firings, each customer's segment and each vehicle's forecast."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from ..models import CustomerProfile, Firing, RetentionRule, VehicleForecast
from . import serializers as s

LIST_LIMIT = 200


class RulesView(APIView):
    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(responses=s.RuleSerializer(many=True))
    def get(self, request):
        rows = RetentionRule.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).order_by("store_id", "pk")
        return Response(s.RuleSerializer(rows, many=True).data)


class FiringsView(APIView):
    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(
        parameters=[OpenApiParameter("customer", int, required=False)], responses=s.FiringSerializer(many=True)
    )
    def get(self, request):
        rows = Firing.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).select_related("rule")
        customer = request.query_params.get("customer", "")
        if customer.isdigit():
            rows = rows.filter(customer_id=int(customer))
        return Response(s.FiringSerializer(rows.order_by("-fired_at", "-id")[:LIST_LIMIT], many=True).data)


class ProfileView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.ProfileSerializer)
    def get(self, request, pk: int):
        profile = get_object_or_404(CustomerProfile.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
        return Response(s.ProfileSerializer(profile).data)


class ForecastView(APIView):
    permission_classes = [require(Perm.CUSTOMER_VIEW)]

    @extend_schema(responses=s.ForecastSerializer)
    def get(self, request, pk: int):
        forecast = get_object_or_404(VehicleForecast.objects.for_user(request.user, Perm.CUSTOMER_VIEW), pk=pk)
        return Response(s.ForecastSerializer(forecast).data)
