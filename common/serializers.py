"""The input serializer every API action uses: a field it does not declare is a 400 naming it.

Shared by every app's API (DESIGN: common holds what every app shares) so that a misplaced
field, such as conditions sent to `ratify`, is never dropped silently.
"""

from datetime import UTC, datetime

from django.db import models
from rest_framework import serializers

# A time an officer can mean: a year from 2000 to 2099. Earlier ones are typing errors, and
# before 1900 a time zone's offset has seconds in it, which no ISO 8601 reader accepts back.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class PlausibleDateTimeField(serializers.DateTimeField):
    """A date and time in the years 2000 to 2099, refused otherwise with a sentence."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        if not EARLIEST <= parsed < LATEST:
            raise serializers.ValidationError("Give a date and time in the years 2000 to 2099.")
        return parsed


class PlausibleDatesModelSerializer(serializers.ModelSerializer):
    """A model serializer whose date-time fields take ``PlausibleDateTimeField``."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: PlausibleDateTimeField,
    }


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not declare, naming them, instead of dropping them silently."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not accepted here."] for name in unknown}
                )
        return super().to_internal_value(data)
