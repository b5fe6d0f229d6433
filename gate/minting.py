"""Minting the AuthorityScope the engine needs: only here, only for an authority valid now."""

from datetime import datetime, timedelta

from django.utils import timezone

from authority.models import LIVE_STATUSES, Application, User
from authority.selectors import scope_decision
from authority.services._guards import authority_service, lock_application
from biometric_engine.models import Gallery, GalleryKind
from biometric_engine.selectors import equitability_problem, floor_report
from common.errors import NotPermitted, WrongState
from common.roles import Role
from gate.galleries import GALLERY_KINDS_FOR_MODE, bound_authority_id
from gate.roles import SEARCH_ROLE_FOR_MODE
from gate.scope import ENROL, SEARCH, AuthorityScope, sign_scope
from oversight.ledger import record_event

# A scope is short-lived even inside a long authority, so a leaked one soon stops working.
SCOPE_LIFETIME = timedelta(hours=12)


def _require_live(application: Application) -> None:
    if application.status not in LIVE_STATUSES:
        raise WrongState(
            f"No scope can be issued: the authority is {application.get_status_display().lower()}."
        )
    if application.halted_at is not None:
        raise WrongState("No scope can be issued: the engine is halted under this authority.")


def _issue(
    application: Application,
    decision,
    *,
    gallery: Gallery,
    by: User,
    role: Role,
    purpose: str,
    location_ids: tuple[int, ...],
    window_start: datetime,
    expires_at: datetime,
) -> AuthorityScope:
    """Sign the scope under the decision in force and put its issue on the ledger."""
    scope = sign_scope(
        AuthorityScope(
            mode=application.mode,
            authority_id=application.pk,
            decision_id=decision.pk,
            gallery_id=gallery.pk,
            threshold=str(decision.threshold),
            model_version=decision.model_version,
            location_ids=location_ids,
            window_start=window_start.isoformat(),
            window_end=application.valid_until.isoformat(),
            expires_at=expires_at.isoformat(),
            issued_to=by.pk,
            role=role.value,
            purpose=purpose,
        )
    )
    record_event(
        actor=by,
        role=role,
        action="scope.issued",
        subject=application,
        payload={
            "gallery_id": gallery.pk,
            "purpose": purpose,
            "mode": scope.mode,
            "threshold": scope.threshold,
            "expires_at": scope.expires_at,
            "issued_to": scope.issued_to,
        },
    )
    return scope


@authority_service
def mint_scope(*, application: Application, by: User, gallery: Gallery) -> AuthorityScope:
    """Issue a signed scope for searching ``gallery`` under ``application``, valid now."""
    application = lock_application(application)
    now = timezone.now()
    _require_live(application)
    if not (application.valid_from <= now < application.valid_until):
        raise WrongState("No scope can be issued outside the authorised window.")
    role = SEARCH_ROLE_FOR_MODE[application.mode]
    if not (by.has_perm("biometric_engine.search_gallery") and by.has_role(role)):
        raise NotPermitted(
            f"Only an officer with the role {role.label} may run the engine for "
            f"{application.get_mode_display()}."
        )
    if gallery.kind not in GALLERY_KINDS_FOR_MODE[application.mode]:
        raise WrongState(
            f"A {application.get_mode_display()} authority cannot search "
            f"{gallery.get_kind_display().lower()}."
        )
    if gallery.kind == GalleryKind.WATCHLIST and bound_authority_id(gallery) != application.pk:
        raise WrongState("An authority searches only its own watchlist.")
    decision = scope_decision(application)
    floor = floor_report(model_version=decision.model_version)
    problem = equitability_problem(
        report_id=floor.pk if floor else None,
        minimum=floor.minimum_threshold if floor else None,
        model_version=decision.model_version,
        threshold=decision.threshold,
    )
    if problem is not None:
        raise WrongState(f"No scope can be issued: {problem[1]}")
    ends = [application.valid_until, now + SCOPE_LIFETIME]
    if application.lapses_at:
        ends.append(application.lapses_at)
    return _issue(
        application,
        decision,
        gallery=gallery,
        by=by,
        role=role,
        purpose=SEARCH,
        location_ids=tuple(sorted(decision.authorised_locations.values_list("pk", flat=True))),
        window_start=application.valid_from,
        expires_at=min(ends),
    )


@authority_service
def mint_enrolment_scope(*, application: Application, by: User, gallery: Gallery) -> AuthorityScope:
    """Issue a signed scope for enrolling faces into the authority's own watchlist, while the
    authority is live and until its window ends, to a watchlist officer only.

    When in that time a list may be composed (from 24 hours before its deployment) is the
    watchlist's rule (``watchlists.services``), not the gate's.
    """
    application = lock_application(application)
    now = timezone.now()
    _require_live(application)
    if now >= application.valid_until:
        raise WrongState("No enrolment scope can be issued after the authorised window ends.")
    if not (by.has_perm("biometric_engine.enrol_face") and by.has_role(Role.WATCHLIST_OFFICER)):
        raise NotPermitted("Only a watchlist officer may enrol faces into a watchlist.")
    if gallery.kind != GalleryKind.WATCHLIST or bound_authority_id(gallery) != application.pk:
        raise WrongState("Faces are enrolled only into this authority's own watchlist.")
    decision = scope_decision(application)
    return _issue(
        application,
        decision,
        gallery=gallery,
        by=by,
        role=Role.WATCHLIST_OFFICER,
        purpose=ENROL,
        location_ids=(),
        window_start=now,
        expires_at=min(application.valid_until, now + SCOPE_LIFETIME),
    )
