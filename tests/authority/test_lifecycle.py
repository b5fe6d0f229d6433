import json
from datetime import timedelta

import pytest
from django.utils import timezone

from authority import services
from authority.errors import CancellationReportRequired, InvalidRenewal, RankTooLow
from authority.models import ApplicationStatus, Rank, ReviewOutcome
from authority.tasks import expire_ended_authorities
from common.errors import WrongState
from common.roles import Role
from oversight.models import LedgerEntry
from tests.authority.fixtures import unchanged
from tests.factories import UserFactory


def test_review_records_findings_and_the_next_review(authorised, superintendent):
    next_review = authorised.valid_from + timedelta(hours=1)
    review = services.review_authority(
        application=authorised,
        by=superintendent,
        findings="Running as authorised.",
        outcome=ReviewOutcome.CONTINUE,
        next_review_by=next_review,
    )
    authorised.refresh_from_db()
    assert review.pk and authorised.review_by == next_review


def test_renewals_are_numbered_and_each_issues_a_new_wad(authorised, superintendent):
    first = services.renew_authority(
        application=authorised,
        by=superintendent,
        reasons="Suspects not yet found.",
        new_end=authorised.valid_until + timedelta(hours=2),
    )
    second = services.renew_authority(
        application=authorised,
        by=superintendent,
        reasons="One suspect still outstanding.",
        new_end=authorised.valid_until + timedelta(hours=4),
    )
    authorised.refresh_from_db()
    assert (first.number, first.ordinal, second.number, second.ordinal) == (1, "First", 2, "Second")
    assert authorised.valid_until == second.new_end
    docs = list(authorised.documents.all())
    assert [d.version for d in docs] == [1, 2, 3]
    assert len({d.sha256 for d in docs}) == 3, "each version is a new document"


def test_a_renewal_must_extend_the_window(authorised, superintendent):
    with unchanged(authorised), pytest.raises(InvalidRenewal, match="later"):
        services.renew_authority(
            application=authorised,
            by=superintendent,
            reasons="More.",
            new_end=authorised.valid_until - timedelta(minutes=1),
        )


def test_cancellation_needs_a_report_and_ends_the_authority(authorised, superintendent):
    with unchanged(authorised), pytest.raises(CancellationReportRequired):
        services.cancel_authority(
            application=authorised, by=superintendent, reasons="Suspects arrested.", report=""
        )
    services.cancel_authority(
        application=authorised,
        by=superintendent,
        reasons="All three suspects arrested.",
        report="Deployment not needed; no faces processed.",
    )
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.CANCELLED
    assert authorised.cancellation.report.startswith("Deployment not needed")
    assert authorised.documents.last().reason == "cancelled"
    with pytest.raises(WrongState, match="cancelled"):
        services.renew_authority(
            application=authorised,
            by=superintendent,
            reasons="x",
            new_end=authorised.valid_until + timedelta(hours=1),
        )


def test_an_inspector_cannot_cancel_a_full_authority(authorised, inspector):
    with unchanged(authorised), pytest.raises(RankTooLow):
        services.cancel_authority(
            application=authorised, by=inspector, reasons="Stop.", report="Stopped."
        )


def test_an_operator_cannot_review(authorised):
    operator = UserFactory(rank=Rank.SUPERINTENDENT, roles=[Role.LFR_OPERATOR])
    with unchanged(authorised), pytest.raises(Exception, match="Authorising officer"):
        services.review_authority(
            application=authorised, by=operator, findings="x", outcome=ReviewOutcome.CONTINUE
        )


def test_an_authority_left_to_run_out_expires_as_a_compliance_exception(authorised, monkeypatch):
    assert expire_ended_authorities.apply().get() == 0
    later = authorised.valid_until + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert expire_ended_authorities.apply().get() == 1
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.EXPIRED
    event = LedgerEntry.objects.get(action="application.expired", object_id=str(authorised.pk))
    assert event.actor_id is None and event.role == "system"
    assert json.loads(event.payload)["compliance_exception"] == "expired_without_cancellation"
    assert expire_ended_authorities.apply().get() == 0
