"""API date-times are years 2000 to 2099: a year 1280 is a typing error, and its London offset
(-00:01:15, local mean time) is not one an ISO 8601 reader accepts back (found by fuzzing)."""

import pytest
from rest_framework import serializers

from common.serializers import PlausibleDateTimeField


@pytest.mark.parametrize(
    "value", ["1280-05-25T21:58:35Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00Z"]
)
def test_a_time_outside_the_years_2000_to_2099_is_refused_with_a_sentence(value):
    with pytest.raises(serializers.ValidationError, match="2000 to 2099"):
        PlausibleDateTimeField().to_internal_value(value)


def test_a_time_inside_is_taken():
    assert PlausibleDateTimeField().to_internal_value("2026-12-02T10:00:00Z").year == 2026
