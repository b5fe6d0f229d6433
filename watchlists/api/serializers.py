"""Watchlists API serializers: they check shape; the services check the rules. A person's
name and date of birth are masked for readers the redaction registry does not allow."""

from rest_framework import serializers

from authority.models import Application, Location
from authority.selectors import scope_decision
from common.serializers import StrictInputSerializer
from oversight.api.serializers import RestrictedDateField, blank_choice
from oversight.redaction import hidden_fields, shown_value
from watchlists.models import (
    DuplicateDecision,
    DuplicateFlag,
    Watchlist,
    WatchlistEntry,
    WatchlistVersion,
)
from watchlists.services.composition import current_entries
from watchlists.services.entries import EntryDetails

MAX_IMAGE_BYTES = 10 * 1024 * 1024


def _limit(name: str) -> int:
    return WatchlistEntry._meta.get_field(name).max_length


class EntrySerializer(serializers.ModelSerializer):
    under_18 = serializers.SerializerMethodField()
    date_of_birth = RestrictedDateField()

    class Meta:
        model = WatchlistEntry
        fields = [
            "id", "watchlist", "added_in", "removed_in", "removal_reason", "record_id",
            "source_system", "name", "date_of_birth", "category", "reason",
            "image_source_system", "legal_basis", "capture_date", "most_recent_suitable",
            "quality", "image_sha256", "still_sought_confirmed_by", "still_sought_confirmed_at",
            "under_18", "under_18_justification", "justification_approved_by",
            "justification_approved_at", "created_by", "created_at", "data_deleted_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_under_18(self, obj: WatchlistEntry) -> bool:
        return bool(obj.under_18_justification)

    def to_representation(self, instance: WatchlistEntry) -> dict:
        data = super().to_representation(instance)
        hidden = self.context.get("hidden")
        if hidden is None:
            request = self.context.get("request")
            # No request means no reader: everything restricted is masked.
            hidden = hidden_fields(request.user if request else None, WatchlistEntry, instance)
        return {key: shown_value(value, field=key, hidden=hidden) for key, value in data.items()}


class VersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = WatchlistVersion
        fields = [
            "number", "opened_at", "opened_by", "signed_off_at", "signed_off_by",
            "entry_count", "category_counts", "entries_sha256",
        ]  # fmt: skip
        read_only_fields = fields


SUMMARY_FIELDS = [
    "id", "name", "authority", "authority_reference", "deployment_start", "deployment_end",
    "location", "status", "version", "size", "max_watchlist_size", "created_by", "created_at",
    "data_deleted_at",
]  # fmt: skip


class WatchlistSummarySerializer(serializers.ModelSerializer):
    authority_reference = serializers.CharField(source="authority.reference", read_only=True)
    size = serializers.SerializerMethodField()
    max_watchlist_size = serializers.SerializerMethodField()

    class Meta:
        model = Watchlist
        fields = SUMMARY_FIELDS
        read_only_fields = SUMMARY_FIELDS

    def get_size(self, obj: Watchlist) -> int:
        size = getattr(obj, "size", None)
        return size if size is not None else current_entries(obj).count()

    def get_max_watchlist_size(self, obj: Watchlist) -> int | None:
        decision = scope_decision(obj.authority)
        return decision.max_watchlist_size if decision else None


class WatchlistSerializer(WatchlistSummarySerializer):
    """One watchlist: its current entries (restricted fields masked) and its versions."""

    entries = serializers.SerializerMethodField()
    versions = VersionSerializer(many=True, read_only=True)

    class Meta(WatchlistSummarySerializer.Meta):
        fields = [*SUMMARY_FIELDS, "entries", "versions"]
        read_only_fields = fields

    def get_entries(self, obj: Watchlist) -> list[dict]:
        entries = list(current_entries(obj))
        if not entries:
            return []
        request = self.context.get("request")
        # The rule depends on the list, not the person: judged once for the response.
        hidden = hidden_fields(request.user if request else None, WatchlistEntry, entries[0])
        context = {**self.context, "hidden": hidden}
        return EntrySerializer(entries, many=True, context=context).data


class FlagSerializer(serializers.ModelSerializer):
    entry_record_id = serializers.CharField(source="entry.record_id", read_only=True)
    other_record_id = serializers.CharField(source="other.record_id", read_only=True)
    decision = blank_choice(DuplicateDecision.choices)

    class Meta:
        model = DuplicateFlag
        fields = [
            "id", "watchlist", "entry", "entry_record_id", "other", "other_record_id", "score",
            "raised_at", "decision", "reason", "decided_by", "decided_at",
        ]  # fmt: skip
        read_only_fields = fields


class WatchlistCreateInputSerializer(StrictInputSerializer):
    authority = serializers.PrimaryKeyRelatedField(queryset=Application.objects.all())
    name = serializers.CharField(max_length=200, allow_blank=True)
    deployment_start = serializers.DateTimeField()
    deployment_end = serializers.DateTimeField()
    location = serializers.PrimaryKeyRelatedField(queryset=Location.objects.all())


class EntryInputSerializer(StrictInputSerializer):
    """One entry, as multipart form fields and the image file. Choices, the confirmations and
    the under-18 rule are the service's to check, so its sentence is the one returned."""

    record_id = serializers.CharField(max_length=_limit("record_id"), allow_blank=True)
    source_system = serializers.CharField(max_length=40, allow_blank=True)
    category = serializers.CharField(max_length=40, allow_blank=True)
    reason = serializers.CharField(max_length=_limit("reason"), allow_blank=True)
    image_source_system = serializers.CharField(max_length=40, allow_blank=True)
    legal_basis = serializers.CharField(max_length=_limit("legal_basis"), allow_blank=True)
    most_recent_suitable = serializers.BooleanField(default=False)
    still_sought_confirmed = serializers.BooleanField(default=False)
    name = serializers.CharField(
        max_length=_limit("name"), required=False, allow_blank=True, default=""
    )
    date_of_birth = serializers.DateField(required=False, allow_null=True, default=None)
    capture_date = serializers.DateField(required=False, allow_null=True, default=None)
    under_18_justification = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    image = serializers.FileField()

    def validate_image(self, image):
        if image.size > MAX_IMAGE_BYTES:
            raise serializers.ValidationError("The image must be no larger than 10 MB.")
        return image

    def details(self) -> EntryDetails:
        data = {k: v for k, v in self.validated_data.items() if k != "image"}
        return EntryDetails(**data)


class RemoveInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=_limit("removal_reason"), allow_blank=True)


class DecideInputSerializer(StrictInputSerializer):
    decision = serializers.ChoiceField(choices=DuplicateDecision.choices)
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class NoInputSerializer(StrictInputSerializer):
    """An action that takes no fields: any field sent is refused, not ignored."""
