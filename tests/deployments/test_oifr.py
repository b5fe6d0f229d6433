"""DOMAIN (RFR and OIFR controls): an OIFR check is justified and logged every time, searches
only custody and missing-person images, and keeps no photo after the check."""

import json

import pytest

from biometric_engine.models import GalleryKind
from common.roles import Role
from deployments.models import CheckCandidate, CheckOutcome, OifrJustification, OperatorCheck
from deployments.search_errors import AuthorityNotUsable, CheckNotJustified, NotAnInvestigator
from deployments.services.checks import run_operator_check
from gate.checks import EngineRefused
from gate.minting import mint_scope
from gate.search import search_probe
from oversight.models import LedgerEntry
from tests.deployments.searches_fixtures import add_image
from tests.deployments.test_rfr import files_under, rows_holding
from tests.factories import UserFactory
from tests.watchlists import images
from watchlists.errors import ImageRefused

GROUNDS = {
    "justification": OifrJustification.FALSE_NAME_SUSPECTED,
    "justification_detail": "Gave three different dates of birth; PNC shows no such name.",
    "less_intrusive_considered": True,
    "no_force_used": True,
}


def check(authority, officer, image, **overrides):
    return run_operator_check(
        authority=authority, by=officer, image=image, **{**GROUNDS, **overrides}
    )


@pytest.fixture
def both_galleries(custody, missing, gallery_admin, astronaut_in_custody):
    """The astronaut in custody; Tom Hanks reported missing."""
    add_image(missing, gallery_admin, images.tom_hanks(), record_id="MISP-7")
    return custody, missing


def test_a_check_searches_custody_and_missing_persons_and_is_logged(
    oifr_authority, investigator, both_galleries, settings
):
    photo = images.astronaut_again()
    result = check(oifr_authority, investigator, photo)
    assert result.outcome == CheckOutcome.CANDIDATES and result.galleries_searched == 2
    assert result.officer == investigator and result.checked_at
    assert result.candidates_found == 1 and result.top_score >= 0.64
    (candidate,) = result.candidates.all()
    assert candidate.record_id == "CUST-1" and candidate.gallery_kind == GalleryKind.CUSTODY
    # Both galleries were searched under the check's run id.
    runs = [
        json.loads(e.payload)
        for e in LedgerEntry.objects.filter(action="engine.search_run").order_by("pk")
    ]
    assert {r["gallery_id"] for r in runs} == {g.gallery_id for g in both_galleries}
    assert {r["run_id"] for r in runs} == {result.run_id}
    assert {r["mode"] for r in runs} == {"oifr"}
    logged = LedgerEntry.objects.get(action="oifr_check.run")
    payload = json.loads(logged.payload)
    assert payload["candidates"] == 1 and payload["justification"] == GROUNDS["justification"]
    # The photo is not kept: no file, no row holding it.
    assert files_under(settings.MEDIA_ROOT) == []
    assert rows_holding(photo) == []

    missing_person = check(oifr_authority, investigator, images.tom_hanks())
    assert missing_person.candidates.get().gallery_kind == GalleryKind.MISSING_PERSONS


def test_a_check_finding_nobody_is_logged_too(
    oifr_authority, investigator, custody, missing, gallery_admin
):
    add_image(missing, gallery_admin, images.tom_hanks(), record_id="MISP-7")
    result = check(oifr_authority, investigator, images.astronaut_again())
    assert result.outcome == CheckOutcome.NO_CANDIDATES and result.galleries_searched == 2
    assert result.candidates_found == 0 and result.top_score is None
    assert LedgerEntry.objects.filter(action="oifr_check.run").count() == 1


def test_oifr_never_reaches_a_watchlist(oifr_authority, investigator, custody):
    watchlist = watchlist_gallery_for_test()
    with pytest.raises(Exception) as refused:
        mint_scope(application=oifr_authority, by=investigator, gallery=watchlist)
    assert "cannot search" in str(refused.value)
    # A custody scope pointed at a watchlist is refused by the gate, and the refusal ledgered.
    scope = mint_scope(application=oifr_authority, by=investigator, gallery=custody.gallery)
    with pytest.raises(EngineRefused) as gate:
        search_probe(
            scope=scope, image=images.astronaut(), gallery_id=watchlist.pk, by=investigator
        )
    assert gate.value.code == "wrong_gallery"
    assert LedgerEntry.objects.filter(action="engine.search_refused").exists()


def watchlist_gallery_for_test():
    from biometric_engine.engine import default_model_version
    from biometric_engine.galleries import create_gallery

    return create_gallery(
        name="Someone's watchlist",
        kind=GalleryKind.WATCHLIST,
        model_version=default_model_version(),
    )


@pytest.mark.parametrize(
    "missing_field",
    [
        {"justification": ""},
        {"justification": "felt like it"},
        {"justification_detail": "   "},
        {"less_intrusive_considered": False},
        {"no_force_used": False},
        {"no_force_used": "yes"},
    ],
)
def test_a_check_without_justification_is_refused_and_leaves_nothing(
    oifr_authority, investigator, both_galleries, missing_field
):
    before = LedgerEntry.objects.count()
    with pytest.raises(CheckNotJustified):
        check(oifr_authority, investigator, images.astronaut_again(), **missing_field)
    assert not OperatorCheck.objects.exists() and not CheckCandidate.objects.exists()
    assert LedgerEntry.objects.count() == before  # not even a search ran


def test_only_an_investigator_checks_and_only_under_a_live_oifr_authority(
    oifr_authority, rfr_authority, investigator, both_galleries
):
    constable = UserFactory(username="pc", roles=[Role.LFR_OPERATOR])
    with pytest.raises(NotAnInvestigator):
        check(oifr_authority, constable, images.astronaut_again())
    with pytest.raises(AuthorityNotUsable):
        check(rfr_authority, investigator, images.astronaut_again())
    assert not OperatorCheck.objects.exists()


def test_a_rejected_photo_is_logged_as_rejected_and_not_kept(
    oifr_authority, investigator, both_galleries, settings
):
    with pytest.raises(ImageRefused):
        check(oifr_authority, investigator, images.group_photo())
    logged = OperatorCheck.objects.get()
    assert logged.outcome == CheckOutcome.PHOTO_REJECTED and logged.outcome_code
    assert logged.candidates_found == 0 and not logged.candidates.exists()
    assert files_under(settings.MEDIA_ROOT) == []
