from rest_framework import serializers

from aftercare.core.models import Store

from ..models import User


class StoreSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name", read_only=True)

    class Meta:
        model = Store
        fields = [
            "id",
            "code",
            "name",
            "group",
            "address",
            "phone",
            "rescue_phone",
            "opens_at",
            "closes_at",
            "is_active",
        ]


class MembershipOutSerializer(serializers.Serializer):
    store_id = serializers.IntegerField()
    role = serializers.CharField()
    permissions = serializers.ListField(child=serializers.CharField())


class MeSerializer(serializers.ModelSerializer):
    stores = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "stores"]

    def get_stores(self, user) -> list[dict]:
        return [
            {
                "store_id": store_id,
                "roles": sorted(user.roles_at(store_id)),
                "permissions": sorted(user.perms_at(store_id)),
            }
            for store_id in user.store_ids()
        ]
