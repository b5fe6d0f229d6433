import json

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oversight.models import LedgerEntry
from oversight.redaction import MASK


@extend_schema_field(
    {
        "anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [MASK]}],
        "nullable": True,
        "readOnly": True,
        "description": f"A date, or {MASK!r} for a reader who may not see it.",
    }
)
class RestrictedDateField(serializers.DateField):
    """A restricted date (``oversight.redaction``): its schema admits the mask, which is what
    a reader without the right is sent in its place."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)


def blank_choice(choices) -> serializers.ChoiceField:
    """A read-only model choice that may be blank (not yet decided). DRF drops ``allow_blank``
    from read-only model fields, so without this the schema's enum would leave out ""."""
    return serializers.ChoiceField(choices=choices, allow_blank=True, read_only=True)


class LedgerEntrySerializer(serializers.ModelSerializer):
    actor = serializers.IntegerField(source="actor_id", allow_null=True, read_only=True)
    payload = serializers.SerializerMethodField()
    payload_canonical = serializers.CharField(
        source="payload",
        read_only=True,
        help_text="The payload's canonical JSON text, exactly as the entry's hash covers it.",
    )

    class Meta:
        model = LedgerEntry
        fields = [
            "seq",
            "recorded_at",
            "actor",
            "role",
            "action",
            "object_type",
            "object_id",
            "payload",
            "payload_canonical",
            "prev_hash",
            "entry_hash",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, entry: LedgerEntry) -> dict:
        return json.loads(entry.payload)


class CheckpointSerializer(serializers.Serializer):
    format = serializers.CharField()
    tree_size = serializers.IntegerField()
    head_hash = serializers.CharField()
    signed_at = serializers.CharField()
    key_id = serializers.CharField()
    public_key = serializers.CharField(help_text="Raw Ed25519 public key, base64.")
    signature = serializers.CharField(help_text="Ed25519 signature, base64.")
