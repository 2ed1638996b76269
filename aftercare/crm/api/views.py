"""/api/v1/crm/: the rules, their firings, each customer's segment and each vehicle's forecast."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.core.api.permissions import require
from aftercare.core.permissions import Perm

from ..campaigns import campaign_results
from ..filters import segment_members
from ..models import Campaign, CustomerProfile, Firing, RetentionRule, Segment, VehicleForecast
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


class SegmentsView(APIView):
    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(responses=s.SegmentSerializer(many=True))
    def get(self, request):
        rows = Segment.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).order_by("store_id", "name", "pk")
        return Response(s.SegmentSerializer(rows[:LIST_LIMIT], many=True).data)


class SegmentCountView(APIView):
    """The live count of a saved segment: one COUNT query (docs/DOMAIN.md §11.6)."""

    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(responses=s.SegmentCountSerializer)
    def get(self, request, pk: int):
        segment = get_object_or_404(Segment.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
        return Response({"count": segment_members(segment).count()})


class SegmentMembersView(APIView):
    """A page of a segment's members, masked; `?after=<id>` continues after the last one."""

    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(parameters=[OpenApiParameter("after", int, required=False)], responses=s.MemberSerializer(many=True))
    def get(self, request, pk: int):
        segment = get_object_or_404(Segment.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
        rows = segment_members(segment).order_by("pk")
        after = request.query_params.get("after", "")
        if after.isdigit():
            rows = rows.filter(pk__gt=int(after))
        return Response(s.MemberSerializer(rows[:LIST_LIMIT], many=True).data)


class CampaignsView(APIView):
    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(responses=s.CampaignSerializer(many=True))
    def get(self, request):
        rows = Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE).prefetch_related(
            "offers", "package_offers"
        )
        return Response(s.CampaignSerializer(rows[:LIST_LIMIT], many=True).data)


class CampaignResultsView(APIView):
    permission_classes = [require(Perm.CAMPAIGN_MANAGE)]

    @extend_schema(responses=s.CampaignResultsSerializer)
    def get(self, request, pk: int):
        campaign = get_object_or_404(Campaign.objects.for_user(request.user, Perm.CAMPAIGN_MANAGE), pk=pk)
        return Response(s.CampaignResultsSerializer(campaign_results(campaign)).data)
