"""The expectation for a deployment, beside its observed false alerts in the review
(``biometric_engine.expectation``: the model's FPIR scaled to the watchlist's size)."""

from biometric_engine.expectation import expectation

__all__ = ["expectation", "expected_for"]


def expected_for(deployment) -> dict:
    """The expectation for a deployment, at its authorised threshold and model, for its
    signed-off watchlist size and the faces it processed (the observed footfall)."""
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
