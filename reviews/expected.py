"""The expectation for a deployment, beside its observed false alerts in the review
(``biometric_engine.expectation``: the model's FPIR scaled to the watchlist's size)."""

import logging

from django.db import transaction

from biometric_engine.expectation import expectation

logger = logging.getLogger(__name__)

__all__ = ["expectation", "expected_for"]


def expected_for(deployment) -> dict:
    """The expectation for a deployment, at its authorised threshold and model, for its
    signed-off watchlist size and the faces it processed (the observed footfall).

    Opened with the review inside ``complete_deployment`` / ``halt_deployment``: a report that
    cannot be read must never stop a halt, so any failure here reads as "not available"."""
    try:
        with transaction.atomic():  # a savepoint: a database error leaves the halt's intact
            return _expected_for(deployment)
    except Exception:  # a halt must not fail on a report it does not need
        logger.exception("Could not compute the expectation for deployment %s", deployment.pk)
        return {"available": False, "thin": ["The expectation could not be computed."]}


def _expected_for(deployment) -> dict:
    from authority.selectors import scope_decision
    from reviews.figures import from_records

    decision = scope_decision(deployment.authority)
    figures = from_records(deployment)
    model_version = (decision.model_version if decision else "") or (
        deployment.authority.model_version
    )
    threshold = decision.threshold if decision else deployment.authority.requested_threshold
    return expectation(
        model_version=model_version,
        threshold=threshold,
        watchlist_size=figures.watchlist_size,
        faces=figures.faces_processed,
    )
