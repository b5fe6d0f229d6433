"""A renewal is bounded and numbered (probe, issue 20: new_end 9999-12-31 was accepted)."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from authority import services
from authority.errors import InvalidRenewal
from authority.models import Renewal
from authority.models.decisions import ordinal
from oversight.models import LedgerEntry
from tests.authority.fixtures import unchanged


def _renew(application, by, new_end):
    return services.renew_authority(
        application=application, by=by, reasons="Still needed.", new_end=new_end
    )


@pytest.mark.django_db
def test_a_renewal_to_the_end_of_time_is_refused(authorised, superintendent):
    with unchanged(authorised), pytest.raises(InvalidRenewal, match="at most 7 days") as caught:
        _renew(authorised, superintendent, datetime(9999, 12, 31, tzinfo=UTC))
    assert caught.value.field == "new_end"


@pytest.mark.django_db
def test_the_api_answers_the_probe_with_a_400_naming_new_end(
    api_client, authorised, superintendent
):
    api_client.force_authenticate(superintendent)
    with unchanged(authorised):
        response = api_client.post(
            f"/api/v1/applications/{authorised.pk}/renew/",
            {"reasons": "Continue", "new_end": "9999-12-31T00:00:00Z"},
            format="json",
        )
    # Year 9999 is refused as input (API date-times are the years 2000 to 2099), naming it.
    assert response.status_code == 400
    assert "2000 to 2099" in response.json()["new_end"][0]


@pytest.mark.django_db
@override_settings(WA_MAX_RENEWAL_DAYS=30)
def test_the_mode_caps_a_renewal_even_when_the_configured_period_is_longer(
    authorised, superintendent
):
    # LFR allows at most 7 days; the configured 30 cannot stretch it.
    with unchanged(authorised), pytest.raises(InvalidRenewal, match="at most 7 days"):
        _renew(authorised, superintendent, authorised.valid_until + timedelta(days=8))
    _renew(authorised, superintendent, authorised.valid_until + timedelta(days=7))


@pytest.mark.django_db
@override_settings(WA_MAX_RENEWAL_DAYS=2)
def test_the_configured_period_caps_a_renewal_below_the_modes(authorised, superintendent):
    with unchanged(authorised), pytest.raises(InvalidRenewal, match="at most 2 days"):
        _renew(authorised, superintendent, authorised.valid_until + timedelta(days=3))


@pytest.mark.django_db
def test_renewals_are_numbered_first_second_on_the_ledger(authorised, superintendent):
    for _ in range(2):
        authorised.refresh_from_db()
        _renew(authorised, superintendent, authorised.valid_until + timedelta(hours=1))
    assert [r.ordinal for r in Renewal.objects.filter(application=authorised)] == [
        "First",
        "Second",
    ]
    events = LedgerEntry.objects.filter(action="application.renewed").order_by("seq")
    assert [json.loads(e.payload)["renewal"] for e in events] == ["first", "second"]


def test_ordinals_read_as_english():
    assert [ordinal(n) for n in (1, 2, 3, 10, 11, 12, 13, 21, 22, 23, 101, 111)] == [
        "First", "Second", "Third", "Tenth", "11th", "12th", "13th", "21st", "22nd", "23rd",
        "101st", "111th",
    ]  # fmt: skip
