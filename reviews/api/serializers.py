"""Shapes of the reviews API; the services check the rules."""

from rest_framework import serializers

from common.serializers import StrictInputSerializer
from reviews.models import Review
from reviews.services.reviewing import NARRATIVE_FIELDS, NARRATIVE_LIMIT


class ReviewSerializer(serializers.ModelSerializer):
    class Meta:
        model = Review
        fields = [
            "id",
            "deployment",
            "status",
            "opened_at",
            "figures",
            "figures_checked_at",
            "expected",
            *NARRATIVE_FIELDS,
            "deletion_refs",
            "author",
            "submitted_by",
            "submitted_at",
            "returned_reason",
            "approved_by",
            "approved_at",
            "pdf_sha256",
        ]
        read_only_fields = fields


class NarrativeInputSerializer(StrictInputSerializer):
    system_performance = serializers.CharField(
        max_length=NARRATIVE_LIMIT, allow_blank=True, required=False
    )
    safeguards = serializers.CharField(max_length=NARRATIVE_LIMIT, allow_blank=True, required=False)
    equality = serializers.CharField(max_length=NARRATIVE_LIMIT, allow_blank=True, required=False)
    lessons = serializers.CharField(max_length=NARRATIVE_LIMIT, allow_blank=True, required=False)
    deletion_attestation = serializers.CharField(
        max_length=NARRATIVE_LIMIT, allow_blank=True, required=False
    )


class ReturnInputSerializer(StrictInputSerializer):
    reason = serializers.CharField(max_length=2000, allow_blank=True)


class NoInputSerializer(StrictInputSerializer):
    """An action that takes no fields: any field sent is refused, not ignored."""
