"""OIFR checks: one justified, logged check per use, the photo searched at once and dropped
(DOMAIN: RFR and OIFR controls).

The officer gives the justification (closed list, with free text beside it) and confirms that a
less intrusive option was considered first and that no force was used to take the photo; a check
missing any of that is refused before anything is written or searched. The photo is then
searched through the gate (``gate.search.search_probe``, under the standing OIFR authority's
scope) against each custody and missing-person gallery, the only galleries OIFR may reach, and
never stored: not on disk, not in the database, not in the ledger.

Every check that reaches the engine is logged as an ``OperatorCheck`` (who, when, why, the
outcome: candidates found and the top score, or the photo rejected, or the gate's refusal) with
its ``oifr_check.run`` ledger event, in one transaction after the searches; the candidates,
investigative leads only, are kept as rows for the result page. The gate's own events carry the
check's run id, so the ledger ties the engine calls to the logged check.
"""

from dataclasses import dataclass
from uuid import uuid4

from django.db import transaction
from django.utils import timezone

from authority.models import Application, Mode, User
from biometric_engine.models import EnrolledFace, GalleryKind
from common.errors import DomainError, InvalidInput
from deployments.models import CheckCandidate, CheckOutcome, OifrJustification, OperatorCheck
from deployments.search_errors import CheckNotJustified, NoReferenceGallery, NotAnInvestigator
from deployments.services._usable import (
    is_investigator,
    reference_galleries,
    reference_images_for,
    require_usable_authority,
)
from gate.galleries import GALLERY_KINDS_FOR_MODE
from gate.inputs import Candidate, EngineInputError
from gate.minting import mint_scope
from gate.search import search_probe
from oversight.ledger import record_event
from watchlists.errors import ImageRefused

RUN_CHECK = "deployments.run_operator_check"
WHAT = "An operator-initiated check"
# The candidates shown for one check, across its galleries, best first.
MAX_CHECK_CANDIDATES = 10


@dataclass(frozen=True)
class Found:
    gallery_kind: str
    candidate: Candidate


def _justified(
    justification: str, detail: str, less_intrusive_considered: bool, no_force_used: bool
) -> str:
    if justification not in OifrJustification.values:
        raise CheckNotJustified(
            "Choose the justification for the check from the list.", field="justification"
        )
    detail = (detail or "").strip()
    if not detail:
        raise CheckNotJustified(
            "Write the grounds for the check: what you saw and why it justifies a search.",
            field="justification_detail",
        )
    if len(detail) > 2000:
        raise InvalidInput("Keep the grounds to 2,000 characters.", field="justification_detail")
    if less_intrusive_considered is not True:
        raise CheckNotJustified(
            "Confirm that you considered a less intrusive way to establish identity first.",
            field="less_intrusive_considered",
        )
    if no_force_used is not True:
        raise CheckNotJustified(
            "A photo for a check is never taken by force: confirm none was used.",
            field="no_force_used",
        )
    return detail


def run_operator_check(
    *,
    authority: Application,
    by: User,
    image: bytes,
    justification: str,
    justification_detail: str,
    less_intrusive_considered: bool,
    no_force_used: bool,
    backend=None,
) -> OperatorCheck:
    """Search the photo at once against the custody and missing-person galleries, log the check
    and drop the photo. Runs outside any transaction (the gate refuses to run inside one)."""
    if not is_investigator(by, RUN_CHECK):
        raise NotAnInvestigator("Only an investigator may run an operator-initiated check.")
    detail = _justified(
        justification, justification_detail, less_intrusive_considered, no_force_used
    )
    authority = Application.objects.get(pk=authority.pk)
    require_usable_authority(authority, Mode.OIFR, WHAT)
    if not image:
        raise InvalidInput("Attach the photo.", field="image")
    galleries = reference_galleries(GALLERY_KINDS_FOR_MODE[Mode.OIFR])
    if not galleries:
        raise NoReferenceGallery("There is no custody or missing-person gallery to search.")
    run_id = f"oifr-{uuid4().hex}"
    found: list[Found] = []
    outcome, code, searched = CheckOutcome.NO_CANDIDATES, "", 0
    try:
        for gallery in galleries:
            scope = mint_scope(application=authority, by=by, gallery=gallery.gallery)
            result = search_probe(
                scope=scope,
                image=image,
                gallery_id=gallery.gallery_id,
                by=by,
                run_id=run_id,
                max_candidates=MAX_CHECK_CANDIDATES,
                backend=backend,
            )
            searched += 1
            found.extend(Found(gallery.gallery.kind, c) for c in result.candidates)
    except EngineInputError as error:
        outcome, code, refusal = CheckOutcome.PHOTO_REJECTED, error.code, error
    except DomainError as error:  # the gate's refusal, or no scope could be issued
        outcome, code, refusal = CheckOutcome.REFUSED, error.code, error
    else:
        refusal = None
        if found:
            outcome = CheckOutcome.CANDIDATES
    found.sort(key=lambda f: -f.candidate.score)
    found = found[:MAX_CHECK_CANDIDATES] if refusal is None else []
    check = _log_check(
        authority=authority,
        by=by,
        justification=justification,
        detail=detail,
        run_id=run_id,
        outcome=outcome,
        code=code,
        searched=searched,
        found=found,
    )
    if isinstance(refusal, EngineInputError):
        raise ImageRefused(str(refusal), code=refusal.code) from None
    if refusal is not None:
        raise refusal
    return check


@transaction.atomic
def _log_check(
    *,
    authority: Application,
    by: User,
    justification: str,
    detail: str,
    run_id: str,
    outcome: str,
    code: str,
    searched: int,
    found: list[Found],
) -> OperatorCheck:
    check = OperatorCheck.objects.create(
        authority=authority,
        officer=by,
        checked_at=timezone.now(),
        justification=justification,
        justification_detail=detail,
        less_intrusive_considered=True,
        no_force_used=True,
        run_id=run_id,
        outcome=outcome,
        outcome_code=code,
        galleries_searched=searched,
        candidates_found=len(found),
        top_score=round(found[0].candidate.score, 4) if found else None,
    )
    ids = [f.candidate.id for f in found]
    images = reference_images_for(ids)
    refs = dict(EnrolledFace.objects.filter(pk__in=ids).values_list("pk", "subject_ref"))
    CheckCandidate.objects.bulk_create(
        CheckCandidate(
            operator_check=check,
            rank=rank,
            score=float(f.candidate.score),
            gallery_kind=f.gallery_kind,
            reference_image=images.get(f.candidate.id),
            record_id=(
                images[f.candidate.id].record_id
                if f.candidate.id in images
                else refs.get(f.candidate.id, "")
            ),
        )
        for rank, f in enumerate(found, start=1)
    )
    record_event(
        actor=by,
        role="investigator",
        action="oifr_check.run",
        subject=check,
        payload={
            "check_id": check.pk,
            "authority_id": authority.pk,
            "run_id": run_id,
            "justification": justification,
            "less_intrusive_considered": True,
            "no_force_used": True,
            "outcome": outcome,
            "code": code,
            "galleries_searched": searched,
            "candidates": len(found),
            "top_score": check.top_score,
            "missing_person_candidates": sum(
                1 for f in found if f.gallery_kind == GalleryKind.MISSING_PERSONS
            ),
        },
    )
    return check
