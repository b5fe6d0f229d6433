"""Cancellation, renewal and review follow the decision's own rules (probe, issue 20).

Repro: a Superintendent who was only the Gold commander cancelled an authority they did not
decide, by the API and on the page; an applicant who also held the authorising role cancelled
their own.
"""

from datetime import timedelta

import pytest

from authority import services
from authority.errors import DeciderInChain, NotTheDecidingOfficer
from authority.models import ApplicationStatus, Rank, ReviewOutcome
from common.roles import Role
from tests.authority.fixtures import unchanged
from tests.factories import grant_roles

CANCEL = {"reasons": "Stop it.", "report": "Not needed."}


def _renew(application, by):
    services.renew_authority(
        application=application,
        by=by,
        reasons="Continue.",
        new_end=application.valid_until + timedelta(hours=1),
    )


def _review(application, by):
    services.review_authority(
        application=application, by=by, findings="Fine.", outcome=ReviewOutcome.CONTINUE
    )


def _cancel(application, by):
    services.cancel_authority(application=application, by=by, **CANCEL)


@pytest.mark.django_db
@pytest.mark.parametrize("act", [_cancel, _renew, _review], ids=["cancel", "renew", "review"])
def test_the_gold_commander_superintendent_cannot_act_on_an_authority_they_did_not_decide(
    authorised, commanders, act
):
    gold = commanders["gold_commander"]
    assert gold.has_rank_at_least(Rank.SUPERINTENDENT) and gold.has_role(Role.AUTHORISING_OFFICER)
    with unchanged(authorised), pytest.raises(NotTheDecidingOfficer):
        act(authorised, gold)


@pytest.mark.django_db
@pytest.mark.parametrize("act", [_cancel, _renew, _review], ids=["cancel", "renew", "review"])
def test_another_superintendent_cannot_act_on_an_authority_they_did_not_decide(
    authorised, other_superintendent, act
):
    with unchanged(authorised), pytest.raises(NotTheDecidingOfficer):
        act(authorised, other_superintendent)


@pytest.mark.django_db
def test_the_gold_commander_cannot_cancel_through_the_api_or_the_page(
    api_client, client, authorised, commanders
):
    gold = commanders["gold_commander"]
    with unchanged(authorised):
        api_client.force_authenticate(gold)
        response = api_client.post(
            f"/api/v1/applications/{authorised.pk}/cancel/", CANCEL, format="json"
        )
        assert response.status_code == 403
        assert response.json()["code"] == "not_the_deciding_officer"
        client.force_login(gold)
        page = client.get(f"/applications/{authorised.pk}/").content.decode()
        assert f"/applications/{authorised.pk}/cancel/" not in page
        response = client.post(f"/applications/{authorised.pk}/cancel/", CANCEL, follow=True)
        assert "who decided or ratified this authority" in response.content.decode()
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.AUTHORISED


@pytest.mark.django_db
def test_an_applicant_holding_the_authorising_role_cannot_cancel_their_own(authorised, applicant):
    applicant.rank = Rank.SUPERINTENDENT
    applicant.save()
    grant_roles(applicant, True, [Role.AUTHORISING_OFFICER])
    applicant = type(applicant).objects.get(pk=applicant.pk)  # no cached permissions
    assert applicant.has_perm("authority.authorise_application")
    with unchanged(authorised), pytest.raises(NotTheDecidingOfficer):
        _cancel(authorised, applicant)


@pytest.mark.django_db
def test_a_deciding_officer_named_in_the_chain_later_is_still_refused(authorised, superintendent):
    # Independence is checked at every act, not only at the decision.
    authorised.silver_commander = superintendent
    authorised.save()
    with unchanged(authorised), pytest.raises(DeciderInChain):
        _cancel(authorised, superintendent)


@pytest.mark.django_db
def test_the_deciding_officer_cancels(authorised, superintendent):
    _cancel(authorised, superintendent)
    authorised.refresh_from_db()
    assert authorised.status == ApplicationStatus.CANCELLED
