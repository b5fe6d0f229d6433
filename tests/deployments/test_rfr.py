"""DOMAIN (RFR and OIFR controls): an RFR search is authorised per case and approved by an
officer of the configured rank, not the requester; its probe meets the quality rules, is never
kept, and its capped candidates are reviewed one by one by a second, trained officer before
any is released."""

import json
import os

import pytest
from django.apps import apps
from django.db import models

from authority.models import Rank
from common.errors import InvalidInput
from common.roles import Role
from deployments.models import (
    CandidateDecision,
    Offence,
    RetrospectiveSearch,
    SearchCandidate,
    SearchStatus,
)
from deployments.search_errors import (
    ApproverRankTooLow,
    AuthorityNotUsable,
    NotAnApprover,
    NotTheRequester,
    SearchWrongState,
    SelfApproval,
    SelfReview,
)
from deployments.services import searches
from oversight.models import LedgerEntry
from tests.deployments.searches_fixtures import CASE, add_image, approved, astronaut_variant, draft
from tests.factories import UserFactory
from tests.watchlists import images
from watchlists.errors import ImageRefused


def actions(search):
    return list(
        LedgerEntry.objects.filter(
            object_type="deployments.retrospectivesearch", object_id=str(search.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def files_under(root) -> list[str]:
    found = []
    for folder, _dirs, names in os.walk(root):
        found.extend(os.path.join(folder, n) for n in names)
    return found


def rows_holding(data: bytes) -> list[str]:
    """Every binary or file column in the database that holds these bytes or any file."""
    held = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.BinaryField):
                for value in model.objects.values_list(field.attname, flat=True):
                    if value is not None and data in bytes(value):
                        held.append(f"{model.__name__}.{field.name}")
    return held


def test_the_full_path_from_request_to_released_leads(
    rfr_authority, investigator, approver, examiner, astronaut_in_custody, settings
):
    search = draft(rfr_authority, investigator)
    assert search.status == SearchStatus.DRAFT
    searches.submit_search(search=search, by=investigator)
    searches.approve_search(search=search, by=approver, reasons="Serious robbery; necessary.")
    probe = images.astronaut_again()
    search = searches.run_search(search=search, by=investigator, image=probe)

    assert search.status == SearchStatus.RUN
    assert search.candidates_returned == 1 and search.candidate_cap == 200
    (candidate,) = search.candidates.all()
    assert candidate.reference_image == astronaut_in_custody
    assert candidate.record_id == "CUST-1" and candidate.rank == 1
    assert candidate.score >= float(search.threshold)
    assert search.probe_sha256 and search.run_id.startswith(f"rfr-{search.pk}-")
    # The probe left no file and no row holding it.
    assert files_under(settings.MEDIA_ROOT) == []
    assert rows_holding(probe) == []
    # The gate's events carry the search's run id; the candidates committed with them.
    engine = LedgerEntry.objects.filter(action="engine.candidates_found").get()
    assert json.loads(engine.payload)["run_id"] == search.run_id

    searches.review_candidate(
        candidate=candidate,
        by=examiner,
        decision=CandidateDecision.POSSIBLE_LEAD,
        reason="Same scar above the left eye; to corroborate.",
    )
    search.refresh_from_db()
    assert search.status == SearchStatus.REVIEWED and search.reviewed_at
    assert actions(search) == [
        "rfr_search.drafted",
        "rfr_search.submitted",
        "rfr_search.approved",
        "rfr_search.run",
        "rfr_candidate.reviewed",
        "rfr_search.reviewed",
    ]


def test_the_candidate_list_is_capped(
    rfr_authority, investigator, approver, custody, gallery_admin, settings
):
    for n, data in enumerate([images.astronaut(), astronaut_variant(400), astronaut_variant(300)]):
        add_image(custody, gallery_admin, data, record_id=f"CUST-{n}")
    settings.WA_RFR_MAX_CANDIDATES = 2
    search = approved(rfr_authority, investigator, approver)
    search = searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    assert search.candidate_cap == 2 and search.candidates.count() == 2
    assert [c.rank for c in search.candidates.all()] == [1, 2]
    scores = [c.score for c in search.candidates.all()]
    assert scores == sorted(scores, reverse=True)
    # The gate's own cap (South Wales: 200) bounds the setting.
    settings.WA_RFR_MAX_CANDIDATES = 5000
    assert searches.max_candidates() == 200


def test_an_unreviewed_never_convicted_image_is_not_a_candidate(
    rfr_authority, investigator, approver, custody, gallery_admin
):
    add_image(custody, gallery_admin, images.astronaut(), record_id="NC-1", never_convicted=True)
    search = approved(rfr_authority, investigator, approver)
    search = searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    assert search.candidates_returned == 0 and not search.candidates.exists()
    # Nothing to review, nothing to release.
    assert search.status == SearchStatus.REVIEWED


def test_the_requester_cannot_review_their_own_candidates(
    rfr_authority, investigator, approver, astronaut_in_custody
):
    search = approved(rfr_authority, investigator, approver)
    search = searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    candidate = search.candidates.get()
    with pytest.raises(SelfReview):
        searches.review_candidate(
            candidate=candidate, by=investigator, decision="possible_lead", reason="Looks alike."
        )
    candidate.refresh_from_db()
    assert candidate.decision == "" and candidate.reviewed_by is None
    assert "rfr_candidate.reviewed" not in actions(search)


def test_an_untrained_officer_cannot_review(
    rfr_authority, investigator, approver, astronaut_in_custody
):
    search = approved(rfr_authority, investigator, approver)
    search = searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    with pytest.raises(searches.NotATrainedReviewer):
        searches.review_candidate(
            candidate=search.candidates.get(), by=approver, decision="excluded", reason="No."
        )


def test_a_review_needs_a_reason_and_is_given_once(
    rfr_authority, investigator, approver, examiner, astronaut_in_custody
):
    search = approved(rfr_authority, investigator, approver)
    search = searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    candidate = search.candidates.get()
    with pytest.raises(InvalidInput):
        searches.review_candidate(candidate=candidate, by=examiner, decision="excluded", reason="")
    with pytest.raises(InvalidInput):
        searches.review_candidate(candidate=candidate, by=examiner, decision="match", reason="x")
    searches.review_candidate(
        candidate=candidate, by=examiner, decision="excluded", reason="Different ear shape."
    )
    with pytest.raises(SearchWrongState):
        searches.review_candidate(
            candidate=candidate, by=examiner, decision="possible_lead", reason="Changed my mind."
        )


def test_approval_by_a_too_junior_officer_is_refused(
    rfr_authority, investigator, superintendent, settings
):
    sergeant = UserFactory(username="sgt", rank=Rank.SERGEANT, roles=[Role.AUTHORISING_OFFICER])
    search = draft(rfr_authority, investigator)
    searches.submit_search(search=search, by=investigator)
    before = actions(search)
    with pytest.raises(ApproverRankTooLow):
        searches.approve_search(search=search, by=sergeant, reasons="Fine.")
    search.refresh_from_db()
    assert search.status == SearchStatus.SUBMITTED and search.decided_by is None
    assert actions(search) == before
    # The rank rule is configuration.
    settings.WA_RFR_APPROVER_MINIMUM_RANK = "SUPERINTENDENT"
    inspector = UserFactory(username="insp2", rank=Rank.INSPECTOR, roles=[Role.AUTHORISING_OFFICER])
    with pytest.raises(ApproverRankTooLow):
        searches.approve_search(search=search, by=inspector, reasons="Fine.")
    searches.approve_search(search=search, by=superintendent, reasons="Necessary.")
    search.refresh_from_db()
    assert search.status == SearchStatus.APPROVED


def test_the_requester_never_approves_and_an_investigator_is_no_approver(
    rfr_authority, investigator, examiner
):
    senior_requester = UserFactory(
        username="di",
        rank=Rank.INSPECTOR,
        roles=[Role.INVESTIGATOR, Role.AUTHORISING_OFFICER],
    )
    search = draft(rfr_authority, senior_requester)
    searches.submit_search(search=search, by=senior_requester)
    with pytest.raises(SelfApproval):
        searches.approve_search(search=search, by=senior_requester, reasons="Mine; fine.")
    with pytest.raises(NotAnApprover):
        searches.approve_search(search=search, by=examiner, reasons="Fine.")


def test_a_refused_search_never_runs(rfr_authority, investigator, approver, astronaut_in_custody):
    search = draft(rfr_authority, investigator)
    searches.submit_search(search=search, by=investigator)
    searches.refuse_search(search=search, by=approver, reasons="Not necessary: a name is known.")
    with pytest.raises(SearchWrongState):
        searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


def test_an_unapproved_search_never_runs_and_only_the_requester_runs_it(
    rfr_authority, investigator, approver, examiner, astronaut_in_custody
):
    search = draft(rfr_authority, investigator)
    with pytest.raises(SearchWrongState):
        searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    searches.submit_search(search=search, by=investigator)
    searches.approve_search(search=search, by=approver, reasons="Necessary.")
    with pytest.raises(NotTheRequester):
        searches.run_search(search=search, by=examiner, image=images.astronaut_again())
    assert not LedgerEntry.objects.filter(action="engine.search_run").exists()


def test_a_probe_failing_the_quality_rules_leaves_the_search_approved(
    rfr_authority, investigator, approver, astronaut_in_custody, settings
):
    search = approved(rfr_authority, investigator, approver)
    for bad in [images.tiny(images.astronaut()), images.group_photo(), images.not_a_face()]:
        with pytest.raises(ImageRefused) as refused:
            searches.run_search(search=search, by=investigator, image=bad)
        assert refused.value.code != "image_refused"
        search.refresh_from_db()
        assert search.status == SearchStatus.APPROVED and search.run_id is None
    assert not SearchCandidate.objects.exists()
    assert LedgerEntry.objects.filter(action="engine.probe_rejected").count() == 3
    assert files_under(settings.MEDIA_ROOT) == []


def test_a_search_runs_only_under_a_live_rfr_authority(
    rfr_authority, oifr_authority, investigator, approver, astronaut_in_custody, superintendent
):
    with pytest.raises(AuthorityNotUsable):
        draft(oifr_authority, investigator)
    search = approved(rfr_authority, investigator, approver)
    from authority.services import halt_authority

    halt_authority(application=rfr_authority, by=superintendent, reasons="Stop all searches.")
    before = RetrospectiveSearch.objects.get(pk=search.pk)
    with pytest.raises(AuthorityNotUsable):
        searches.run_search(search=search, by=investigator, image=images.astronaut_again())
    after = RetrospectiveSearch.objects.get(pk=search.pk)
    assert after.status == before.status == SearchStatus.APPROVED and after.run_id is None


def test_case_details_come_from_closed_lists(rfr_authority, investigator):
    with pytest.raises(InvalidInput):
        draft(rfr_authority, investigator, offence="shoplifting-ish")
    with pytest.raises(InvalidInput):
        draft(rfr_authority, investigator, offence=Offence.OTHER)  # other, unwritten
    with pytest.raises(InvalidInput):
        draft(rfr_authority, investigator, necessity="  ")
    with pytest.raises(InvalidInput):
        draft(rfr_authority, investigator, image_provenance="found it")
    other = draft(rfr_authority, investigator, offence=Offence.OTHER, offence_other="Blackmail")
    assert other.offence_label == "Blackmail"
    assert RetrospectiveSearch.objects.count() == 1
    assert CASE["crime_reference"] == other.crime_reference
