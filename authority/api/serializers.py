from rest_framework import serializers

from authority.models import AccountKind, Rank, User
from common.roles import Role
from common.serializers import StrictInputSerializer


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


class NameableOfficerSerializer(serializers.ModelSerializer):
    """An officer as an applicant looks them up to name them: who they are and which fields
    of an application they may be named in; not their username or account details."""

    display_name = serializers.CharField(read_only=True)
    rank_label = serializers.CharField(read_only=True)
    eligible_for = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "display_name",
            "first_name",
            "last_name",
            "rank",
            "rank_label",
            "warrant_number",
            "command_unit",
            "eligible_for",
        ]
        read_only_fields = fields

    def get_eligible_for(self, obj: User) -> list[str]:
        from authority.selectors import nameable_as

        return nameable_as(obj, applicant=self.context.get("applicant"))


class RoleChangeInputSerializer(StrictInputSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    reasons = serializers.CharField(max_length=2000)


class AccountReasonsInputSerializer(StrictInputSerializer):
    reasons = serializers.CharField(max_length=2000)


class RankChangeInputSerializer(StrictInputSerializer):
    rank = serializers.ChoiceField(choices=Rank.choices)
    reasons = serializers.CharField(max_length=2000)


class AccountCreateInputSerializer(StrictInputSerializer):
    username = serializers.CharField(max_length=150)
    first_name = serializers.CharField(max_length=150)
    last_name = serializers.CharField(max_length=150)
    kind = serializers.ChoiceField(choices=AccountKind.choices)
    rank = serializers.ChoiceField(choices=Rank.choices, required=False, allow_null=True)
    warrant_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    command_unit = serializers.CharField(max_length=120, required=False, allow_blank=True)
    organisation = serializers.CharField(max_length=120, required=False, allow_blank=True)
    reasons = serializers.CharField(max_length=2000)
