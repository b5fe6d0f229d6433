"""A review opens when its deployment ends, is written and for_approval by a reviewer, and is
approved by another officer; an authority closes only once its deployments' reviews are
approved."""

import pytest
from django.db import transaction

from authority.errors import AuthorityNotClosable
from authority.services import cancel_authority
from common.roles import Role
from deployments.models import Alert, AlertStatus
from deployments.services.lifecycle import halt_deployment
from oversight.ledger import record_event
from oversight.models import LedgerEntry
from reviews.errors import (
    AlertsUndecided,
    DeletionNotAttested,
    FiguresChanged,
    FiguresDisagree,
    NotAnApprover,
    NotAReviewer,
    ReviewIncomplete,
    ReviewNotOpen,
    SelfApproval,
)
from reviews.models import Review, ReviewStatus
from reviews.services.reviewing import (
    approve_review,
    open_review,
    return_review,
    submit_review,
    update_review_narrative,
)
from tests.factories import StaffFactory
from tests.reviews.conftest import NARRATIVE

pytestmark = pytest.mark.django_db


def events(action, review):
    return LedgerEntry.objects.filter(
        action=action, object_type="reviews.review", object_id=str(review.pk)
    )


def written(review, reviewer):
    return update_review_narrative(review=review, by=reviewer, **NARRATIVE)


def test_completing_a_deployment_opens_its_review_with_its_figures(review):
    assert review.status == ReviewStatus.OPEN
    assert review.figures["faces_processed"] == 12_120
    assert review.figures["false_alert_rate_per_alert"] == "9.1"
    assert events("review.opened", review).count() == 1


def test_opening_is_idempotent(review):
    again = open_review(deployment=review.deployment)
    assert again.pk == review.pk
    assert Review.objects.filter(deployment=review.deployment).count() == 1
    assert events("review.opened", review).count() == 1


def test_halting_a_deployment_opens_its_review(westminster, silver):
    halt_deployment(deployment=westminster.deployment, by=silver, reason="Crowd too dense.")
    review = Review.objects.get(deployment=westminster.deployment)
    assert review.figures["alerts"] == 11


def test_a_running_deployment_has_no_review(westminster):
    assert not Review.objects.filter(deployment=westminster.deployment).exists()


def test_only_a_reviewer_writes_the_narrative(review, operator):
    with pytest.raises(NotAReviewer):
        update_review_narrative(review=review, by=operator, lessons="None.")


def test_the_narrative_is_written_and_ledgered_without_its_text(review, reviewer):
    review = written(review, reviewer)
    assert review.lessons == NARRATIVE["lessons"]
    assert review.author == reviewer
    entry = events("review.narrative_updated", review).get()
    assert NARRATIVE["lessons"] not in entry.payload
    assert entry.data["changed"] == sorted(NARRATIVE)


def test_submitting_needs_every_part_written(review, reviewer):
    update_review_narrative(review=review, by=reviewer, lessons="One lesson.")
    with pytest.raises(ReviewIncomplete, match="System performance"):
        submit_review(review=review, by=reviewer)


def test_submitting_needs_the_watchlist_data_deleted(review, reviewer):
    written(review, reviewer)
    with pytest.raises(DeletionNotAttested, match="not deleted yet"):
        submit_review(review=review, by=reviewer)


def test_submitting_needs_every_alert_adjudicated(deleted, reviewer):
    review = Review.objects.get(deployment=deleted.deployment)
    written(review, reviewer)
    Alert.objects.filter(pk=deleted.alerts[0].pk).update(status=AlertStatus.NEW)
    with pytest.raises(AlertsUndecided):
        submit_review(review=review, by=reviewer)


def test_submitting_refuses_figures_the_ledger_does_not_bear_out(deleted, reviewer):
    review = Review.objects.get(deployment=deleted.deployment)
    written(review, reviewer)
    with transaction.atomic():
        record_event(
            actor=None,
            action="deployment.faces_seen",
            subject=deleted.deployment,
            payload={"run_id": deleted.deployment.run_id, "new_faces_count": 5},
        )
    with pytest.raises(FiguresDisagree, match="Faces processed"):
        submit_review(review=review, by=reviewer)


@pytest.fixture
def for_approval(deleted, reviewer):
    review = Review.objects.get(deployment=deleted.deployment)
    written(review, reviewer)
    return submit_review(review=review, by=reviewer)


def test_submission_freezes_the_figures_and_references_the_deletion_jobs(for_approval):
    assert for_approval.status == ReviewStatus.SUBMITTED
    deletion = LedgerEntry.objects.get(
        action="watchlist.data_deleted",
        object_id=str(for_approval.deployment.watchlist_id),
    )
    assert for_approval.deletion_refs["watchlist_data_deleted"] == [deletion.seq]
    entry = events("review.submitted", for_approval).get()
    assert entry.data["figures"]["arrests"] == 4
    assert entry.data["deletion_refs"]["watchlist_data_deleted"] == [deletion.seq]


def test_a_submitted_review_cannot_be_rewritten(for_approval, reviewer):
    with pytest.raises(ReviewNotOpen):
        update_review_narrative(review=for_approval, by=reviewer, lessons="Changed.")


def test_the_author_cannot_approve_their_own_review(for_approval, reviewer):
    with pytest.raises(SelfApproval):
        approve_review(review=for_approval, by=reviewer)


def test_a_publisher_cannot_approve(for_approval):
    publisher = StaffFactory(username="pub", roles=[Role.PUBLISHER])
    with pytest.raises(NotAnApprover):
        approve_review(review=for_approval, by=publisher)


def test_another_officer_approves_and_the_pdf_is_stored_with_its_sha256(
    for_approval, second_reviewer
):
    import hashlib

    review = approve_review(review=for_approval, by=second_reviewer)
    assert review.status == ReviewStatus.APPROVED
    assert bytes(review.pdf).startswith(b"%PDF")
    assert review.pdf_sha256 == hashlib.sha256(bytes(review.pdf)).hexdigest()
    entry = events("review.approved", review).get()
    assert entry.data["pdf_sha256"] == review.pdf_sha256
    assert entry.role == Role.REVIEWER


def test_an_authorising_officer_may_approve(for_approval, superintendent):
    review = approve_review(review=for_approval, by=superintendent)
    assert events("review.approved", review).get().role == Role.AUTHORISING_OFFICER


def test_approval_refuses_figures_changed_since_submission(for_approval, second_reviewer):
    alert = for_approval.deployment.alerts.filter(decision="possible_match", outcome="").first()
    with transaction.atomic():
        Alert.objects.filter(pk=alert.pk).update(
            status=AlertStatus.ENGAGEMENT_DECIDED,
            engaged=True,
            outcome="true_alert_engaged",
            result="arrest",
        )
        record_event(
            actor=None,
            action="alert.engagement_decided",
            subject=alert,
            payload={
                "run_id": for_approval.deployment.run_id,
                "engaged": True,
                "outcome": "true_alert_engaged",
                "result": "arrest",
            },
        )
    with pytest.raises(FiguresChanged):
        approve_review(review=for_approval, by=second_reviewer)


def test_a_returned_review_reopens_for_its_author(for_approval, second_reviewer, reviewer):
    review = return_review(review=for_approval, by=second_reviewer, reason="Say more on equality.")
    assert review.status == ReviewStatus.OPEN
    assert review.returned_reason == "Say more on equality."
    update_review_narrative(review=review, by=reviewer, equality="More on equality.")
    assert submit_review(review=review, by=reviewer).status == ReviewStatus.SUBMITTED


def test_the_authority_cannot_be_closed_until_its_reviews_are_approved(
    for_approval, superintendent, second_reviewer, live
):
    with pytest.raises(AuthorityNotClosable, match="not yet approved"):
        cancel_authority(
            application=live, by=superintendent, reasons="Done.", report="Deployed once."
        )
    approve_review(review=for_approval, by=second_reviewer)
    cancellation = cancel_authority(
        application=live, by=superintendent, reasons="Done.", report="Deployed once."
    )
    assert cancellation.pk
