"""The post-deployment review and the inspection export by keyboard alone (the same Tab,
type and Enter as tests/e2e/test_keyboard.py, with a visible focus at every stop)."""

import pytest

from oversight.models import ExportState, InspectionExport
from reviews.models import ReviewStatus
from reviews.services.reviewing import NARRATIVE_FIELDS
from tests.e2e.test_keyboard import signed_in_by_keyboard
from tests.factories import OversightFactory
from tests.reviews.conftest import (  # noqa: F401  (an ended deployment and its open review)
    completed,
    deleted,
    engagement_officer,
    review,
    reviewer,
    silver,
    westminster,
)
from tests.watchlists.conftest import planned, watchlist_officer  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_write_and_submit_a_review_by_keyboard(pages, review, deleted, reviewer):  # noqa: F811
    page, keys = signed_in_by_keyboard(pages, reviewer.username)
    page.goto(f"/reviews/{review.pk}/")
    for name in NARRATIVE_FIELDS:
        keys.tab_to(f"#id_{name}")
        keys.type(f"Written by keyboard: {name.replace('_', ' ')}.")
    keys.tab_to("main button[name=submit]")
    pages.shot(page, "submit the review focused")
    keys.enter()
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED, page.locator("main").inner_text()


def test_request_an_inspection_export_by_keyboard(pages, eager_tasks):
    OversightFactory(username="inspector")
    page, keys = signed_in_by_keyboard(pages, "inspector")
    page.goto("/oversight/exports/")
    keys.tab_to("main button[type=submit]")
    keys.enter()
    export = InspectionExport.objects.get()
    assert export.state == ExportState.BUILT, export.error
    keys.tab_to(f"a[href$='/exports/{export.pk}/download/']")
