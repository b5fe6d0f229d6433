"""RFR searches: a request per case, its approval, one run through the gate, and the review of
every candidate by a second, trained officer (DOMAIN: RFR and OIFR controls).

    draft --submit--> submitted --approve--> approved --run--> run --review all--> reviewed
                                 \\--refuse--> refused             (no candidate: reviewed at once)

- The request records the case: crime reference, offence (closed list, "other" written), the
  image's provenance (closed list with its detail), lawful basis, necessity, proportionality.
- An officer holding ``approve_retrospective_search`` of at least
  ``WA_RFR_APPROVER_MINIMUM_RANK`` (Inspector) approves or refuses it with reasons; never the
  requester. The search then runs only under its own approval AND its live RFR authority's scope
  (``gate.minting.mint_scope``, re-checked by the gate at the call).
- The probe is uploaded with the run, searched once (``gate.search.search_probe``: one face,
  enough pixels between the eyes) against a custody gallery and never stored: only its SHA-256.
  The candidate list is capped (``WA_RFR_MAX_CANDIDATES``, 200; the gate never returns more) and
  written by the gate's ``on_candidates`` hook in the transaction of its candidates event.
- A second officer holding ``review_rfr_candidates`` (not the requester) marks each candidate a
  possible lead or excluded, with a reason; only then are the possible leads released to the
  requester. Every candidate is an investigative lead, never an identification.
"""

from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from authority.models import Application, Mode, Rank, User
from authority.services._guards import require_reasons
from biometric_engine.models import EnrolledFace, GalleryKind
from common.errors import InvalidInput
from deployments.models import (
    CandidateDecision,
    ImageProvenance,
    Offence,
    RetrospectiveSearch,
    SearchCandidate,
    SearchStatus,
)
from deployments.search_errors import (
    ApproverRankTooLow,
    CandidateAlreadyReviewed,
    NotAnApprover,
    NotAnInvestigator,
    NotATrainedReviewer,
    NotTheRequester,
    SearchWrongState,
    SelfApproval,
    SelfReview,
)
from deployments.services._usable import (
    default_custody_gallery,
    is_investigator,
    reference_images_for,
    require_usable_authority,
    sha256,
)
from gate.checks import RFR_CANDIDATE_CAP
from gate.inputs import EngineInputError, MatchResult
from gate.minting import mint_scope
from gate.search import search_probe
from oversight.ledger import record_event
from watchlists.errors import ImageRefused
from watchlists.models import ReferenceGallery

REQUEST = "deployments.request_retrospective_search"
APPROVE = "deployments.approve_retrospective_search"
REVIEW = "deployments.review_rfr_candidates"
WHAT = "A retrospective search"
TEXT_LIMIT = 4000


def approver_minimum_rank() -> Rank:
    """WA_RFR_APPROVER_MINIMUM_RANK: a rank's name (``INSPECTOR``) or number (30)."""
    value = getattr(settings, "WA_RFR_APPROVER_MINIMUM_RANK", "INSPECTOR")
    if isinstance(value, int) or str(value).isdigit():
        return Rank(int(value))
    return Rank[str(value).strip().upper()]


def max_candidates() -> int:
    """WA_RFR_MAX_CANDIDATES (200, as South Wales Police return), never above the gate's cap."""
    value = int(getattr(settings, "WA_RFR_MAX_CANDIDATES", RFR_CANDIDATE_CAP))
    return max(1, min(value, RFR_CANDIDATE_CAP))


def may_approve(user: User) -> bool:
    return bool(
        user.is_active
        and user.has_perm(APPROVE)
        and user.rank is not None
        and user.rank >= approver_minimum_rank()
    )


def may_review(user: User) -> bool:
    return bool(user.is_active and user.has_perm(REVIEW))


def _lock(search: RetrospectiveSearch | int) -> RetrospectiveSearch:
    pk = search.pk if isinstance(search, RetrospectiveSearch) else search
    return (
        RetrospectiveSearch.objects.select_for_update()
        .select_related("authority", "requested_by")
        .get(pk=pk)
    )


def _require_state(search: RetrospectiveSearch, *states: str, action: str) -> None:
    if search.status not in states:
        raise SearchWrongState(
            f"This search is {search.get_status_display().lower()}: it cannot be {action}."
        )


def _require_requester(search: RetrospectiveSearch, by: User, action: str) -> None:
    if not is_investigator(by, REQUEST):
        raise NotAnInvestigator(f"Only an investigator may {action} a retrospective search.")
    if by.pk != search.requested_by_id:
        raise NotTheRequester(f"Only the investigator who requested this search may {action} it.")


def _text(value: str, what: str, field: str, minimum: int = 1) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise InvalidInput(what, field=field)
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(f"Keep it to {TEXT_LIMIT:,} characters.", field=field)
    return value


def _case_details(
    *,
    crime_reference: str,
    offence: str,
    offence_other: str,
    image_provenance: str,
    provenance_detail: str,
    lawful_basis: str,
    necessity: str,
    proportionality: str,
) -> dict:
    crime_reference = (crime_reference or "").strip()
    if not crime_reference or len(crime_reference) > 60:
        raise InvalidInput(
            "Give the crime reference (up to 60 characters).", field="crime_reference"
        )
    if offence not in Offence.values:
        raise InvalidInput("Choose the offence from the list.", field="offence")
    offence_other = (offence_other or "").strip()
    if offence == Offence.OTHER:
        offence_other = _text(offence_other, "Write the offence.", "offence_other")[:200]
    elif offence_other:
        raise InvalidInput(
            "Write an offence only when you choose \u201cother\u201d.", field="offence_other"
        )
    if image_provenance not in ImageProvenance.values:
        raise InvalidInput("Choose where the image came from.", field="image_provenance")
    return {
        "crime_reference": crime_reference,
        "offence": offence,
        "offence_other": offence_other,
        "image_provenance": image_provenance,
        "provenance_detail": _text(
            provenance_detail,
            "Describe the image's provenance: who captured it, when, and how it reached you.",
            "provenance_detail",
        ),
        "lawful_basis": _text(
            lawful_basis, "Give the lawful basis for the search.", "lawful_basis"
        ),
        "necessity": _text(
            necessity, "Explain why the search is necessary, not merely desirable.", "necessity"
        ),
        "proportionality": _text(
            proportionality,
            "Explain why the search is proportionate to the intrusion.",
            "proportionality",
        ),
    }


@transaction.atomic
def create_search(
    *,
    authority: Application,
    by: User,
    crime_reference: str,
    offence: str,
    image_provenance: str,
    provenance_detail: str,
    lawful_basis: str,
    necessity: str,
    proportionality: str,
    offence_other: str = "",
) -> RetrospectiveSearch:
    """Draft a search request for one case under a live RFR authority."""
    if not is_investigator(by, REQUEST):
        raise NotAnInvestigator("Only an investigator may request a retrospective search.")
    authority = Application.objects.select_for_update().get(pk=authority.pk)
    require_usable_authority(authority, Mode.RFR, WHAT)
    details = _case_details(
        crime_reference=crime_reference,
        offence=offence,
        offence_other=offence_other,
        image_provenance=image_provenance,
        provenance_detail=provenance_detail,
        lawful_basis=lawful_basis,
        necessity=necessity,
        proportionality=proportionality,
    )
    search = RetrospectiveSearch.objects.create(
        authority=authority, requested_by=by, created_at=timezone.now(), **details
    )
    record_event(
        actor=by,
        role="investigator",
        action="rfr_search.drafted",
        subject=search,
        payload={
            "search_id": search.pk,
            "authority_id": authority.pk,
            "crime_reference": search.crime_reference,
            "offence": search.offence,
            "provenance": search.image_provenance,
        },
    )
    return search


@transaction.atomic
def submit_search(*, search: RetrospectiveSearch, by: User) -> RetrospectiveSearch:
    search = _lock(search)
    _require_requester(search, by, "submit")
    _require_state(search, SearchStatus.DRAFT, action="submitted")
    require_usable_authority(search.authority, Mode.RFR, WHAT)
    search.status = SearchStatus.SUBMITTED
    search.submitted_at = timezone.now()
    search.save(update_fields=["status", "submitted_at"])
    record_event(
        actor=by,
        role="investigator",
        action="rfr_search.submitted",
        subject=search,
        payload={"search_id": search.pk, "authority_id": search.authority_id},
    )
    return search


def _decide(search: RetrospectiveSearch, by: User, reasons: str, approve: bool):
    search = _lock(search)
    if not (by.is_active and by.has_perm(APPROVE)):
        raise NotAnApprover()
    if by.pk == search.requested_by_id:
        raise SelfApproval()
    minimum = approver_minimum_rank()
    if by.rank is None or by.rank < minimum:
        raise ApproverRankTooLow(
            f"A retrospective search is approved or refused by an officer of at least "
            f"{minimum.label} rank."
        )
    _require_state(search, SearchStatus.SUBMITTED, action="approved or refused")
    if approve:
        require_usable_authority(search.authority, Mode.RFR, WHAT)
    reasons = require_reasons(reasons, "Write the reasons for your decision.", field="reasons")
    search.status = SearchStatus.APPROVED if approve else SearchStatus.REFUSED
    search.decided_by = by
    search.decided_at = timezone.now()
    search.decision_reasons = reasons
    search.save(update_fields=["status", "decided_by", "decided_at", "decision_reasons"])
    record_event(
        actor=by,
        action="rfr_search.approved" if approve else "rfr_search.refused",
        subject=search,
        payload={
            "search_id": search.pk,
            "authority_id": search.authority_id,
            "rank": by.rank,
            "minimum_rank": int(minimum),
            "reasons": reasons,
        },
    )
    return search


@transaction.atomic
def approve_search(*, search: RetrospectiveSearch, by: User, reasons: str) -> RetrospectiveSearch:
    return _decide(search, by, reasons, approve=True)


@transaction.atomic
def refuse_search(*, search: RetrospectiveSearch, by: User, reasons: str) -> RetrospectiveSearch:
    return _decide(search, by, reasons, approve=False)


def run_search(
    *,
    search: RetrospectiveSearch,
    by: User,
    image: bytes,
    gallery: ReferenceGallery | None = None,
    backend=None,
) -> RetrospectiveSearch:
    """Search the probe once against a custody gallery and write the capped candidate list.

    Runs outside any transaction (the gate refuses to run inside one). The probe is never
    written anywhere: the gate holds it in memory for the search and this keeps its hash.
    A probe the engine refuses (no face, several, too few pixels between the eyes) leaves the
    search approved, to be run again with a better image; the gate ledgers the rejection.
    """
    with transaction.atomic():
        held = _lock(search)
        _require_requester(held, by, "run")
        _require_state(held, SearchStatus.APPROVED, action="run")
        require_usable_authority(held.authority, Mode.RFR, WHAT)
        if not image:
            raise InvalidInput("Attach the probe image.", field="image")
        gallery = gallery or default_custody_gallery()
        if gallery.gallery.kind != GalleryKind.CUSTODY:
            raise InvalidInput("A retrospective search searches custody images.", field="gallery")
    scope = mint_scope(application=held.authority, by=by, gallery=gallery.gallery)
    cap = max_candidates()
    run_id = f"rfr-{held.pk}-{uuid4().hex[:16]}"
    probe_sha256 = sha256(image)

    def record_run(result: MatchResult) -> None:
        """The run and its candidates, in the gate's transaction when there are any."""
        search_row = _lock(held)
        _require_state(search_row, SearchStatus.APPROVED, action="run")
        candidates = list(result.candidates)[:cap]
        images = reference_images_for(c.id for c in candidates)
        refs = dict(
            EnrolledFace.objects.filter(pk__in=[c.id for c in candidates]).values_list(
                "pk", "subject_ref"
            )
        )
        now = timezone.now()
        rows = SearchCandidate.objects.bulk_create(
            SearchCandidate(
                search=search_row,
                rank=rank,
                score=float(candidate.score),
                reference_image=images.get(candidate.id),
                enrolled_face_id_at_search=candidate.id,
                record_id=(
                    images[candidate.id].record_id
                    if candidate.id in images
                    else refs.get(candidate.id, "")
                ),
            )
            for rank, candidate in enumerate(candidates, start=1)
        )
        search_row.gallery = gallery
        search_row.run_by = by
        search_row.run_at = now
        search_row.run_id = run_id
        search_row.probe_sha256 = probe_sha256
        search_row.threshold = scope.threshold
        search_row.candidate_cap = cap
        search_row.candidates_returned = len(rows)
        # No candidate: nothing to review, nothing to release.
        search_row.status = SearchStatus.RUN if rows else SearchStatus.REVIEWED
        search_row.reviewed_at = None if rows else now
        search_row.save()
        record_event(
            actor=by,
            role="investigator",
            action="rfr_search.run",
            subject=search_row,
            payload={
                "search_id": search_row.pk,
                "authority_id": search_row.authority_id,
                "run_id": run_id,
                "gallery_id": gallery.gallery_id,
                "probe_sha256": probe_sha256,
                "threshold": scope.threshold,
                "candidate_cap": cap,
                "candidates": len(rows),
                "reference_image_ids": [r.reference_image_id for r in rows],
                "scores": [round(r.score, 4) for r in rows[:50]],
            },
        )

    try:
        result = search_probe(
            scope=scope,
            image=image,
            gallery_id=gallery.gallery_id,
            by=by,
            run_id=run_id,
            on_candidates=record_run,
            max_candidates=cap,
            backend=backend,
        )
    except EngineInputError as error:
        raise ImageRefused(str(error), code=error.code) from None
    if not result.candidates:
        with transaction.atomic():
            record_run(result)
    return RetrospectiveSearch.objects.get(pk=held.pk)


@transaction.atomic
def review_candidate(
    *, candidate: SearchCandidate, by: User, decision: str, reason: str
) -> SearchCandidate:
    """A second, trained officer's decision on one candidate, with the reason; the last one
    decided releases the possible leads to the requester."""
    search = _lock(candidate.search_id)
    candidate = SearchCandidate.objects.select_for_update().get(pk=candidate.pk)
    if not may_review(by):
        raise NotATrainedReviewer()
    if by.pk == search.requested_by_id:
        raise SelfReview()
    _require_state(search, SearchStatus.RUN, action="reviewed")
    if candidate.decision:
        raise CandidateAlreadyReviewed("This candidate has already been reviewed.")
    if decision not in CandidateDecision.values:
        raise InvalidInput("Decide possible lead or excluded.", field="decision")
    reason = require_reasons(reason, "Write why you decided so.", field="reason")
    candidate.decision = decision
    candidate.reason = reason
    candidate.reviewed_by = by
    candidate.reviewed_at = timezone.now()
    candidate.save(update_fields=["decision", "reason", "reviewed_by", "reviewed_at"])
    record_event(
        actor=by,
        action="rfr_candidate.reviewed",
        subject=search,
        payload={
            "search_id": search.pk,
            "candidate_id": candidate.pk,
            "rank": candidate.rank,
            "score": round(candidate.score, 4),
            "decision": decision,
            "reason": reason,
        },
    )
    if not search.candidates.filter(decision="").exists():
        search.status = SearchStatus.REVIEWED
        search.reviewed_at = candidate.reviewed_at
        search.save(update_fields=["status", "reviewed_at"])
        decided = search.candidates.values_list("decision", flat=True)
        record_event(
            actor=by,
            action="rfr_search.reviewed",
            subject=search,
            payload={
                "search_id": search.pk,
                "possible_leads": sum(1 for d in decided if d == CandidateDecision.POSSIBLE_LEAD),
                "excluded": sum(1 for d in decided if d == CandidateDecision.EXCLUDED),
            },
        )
    return candidate
