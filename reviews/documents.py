"""The approved review as a tagged PDF (WeasyPrint, offline), stored with its SHA-256."""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML

from authority.documents import NoNetworkFetcher, sha256_hex
from reviews.figures import FIGURE_LABELS, DeploymentFigures

__all__ = ["render_review_pdf", "review_context", "sha256_hex"]


def review_context(review) -> dict:
    deployment = review.deployment
    figures = DeploymentFigures.from_dict(review.figures)
    return {
        "review": review,
        "deployment": deployment,
        "location": deployment.location,
        "figures": figures,
        "figure_rows": [(label, getattr(figures, name)) for name, label in FIGURE_LABELS.items()],
        "expected": review.expected or {},
        "tz": settings.TIME_ZONE,
    }


def render_review_pdf(review) -> bytes:
    """The review as a tagged PDF (structure tree, document language), no network fetches."""
    html = render_to_string("reviews/review_pdf.html", review_context(review))
    return HTML(string=html, url_fetcher=NoNetworkFetcher()).write_pdf(pdf_tags=True)
