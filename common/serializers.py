"""The input serializer every API action uses: a field it does not declare is a 400 naming it.

Shared by every app's API (DESIGN: common holds what every app shares) so that a misplaced
field, such as conditions sent to `ratify`, is never dropped silently.
"""

from rest_framework import serializers


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
