from rest_framework import serializers

from authority.models import User


class OfficerSerializer(serializers.ModelSerializer):
    rank_label = serializers.CharField(read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "kind",
            "rank",
            "rank_label",
            "warrant_number",
            "command_unit",
            "organisation",
            "roles",
        ]
        read_only_fields = fields

    def get_roles(self, obj: User) -> list[str]:
        return sorted(role.value for role in obj.roles)
