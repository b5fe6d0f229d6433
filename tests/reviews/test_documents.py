"""The approved review's PDF holds its figures and narrative, is stored with its SHA-256, and
goes into the inspection export checked against that hash."""

import hashlib
import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from reviews.services.reviewing import approve_review, submit_review, update_review_narrative
from tests.reviews.conftest import NARRATIVE

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def approved(deleted, reviewer, second_reviewer):
    review = deleted.deployment.review
    update_review_narrative(review=review, by=reviewer, **NARRATIVE)
    submit_review(review=review, by=reviewer)
    return approve_review(review=review, by=second_reviewer)


def test_the_review_pdf_holds_the_figures_and_the_narrative(approved):
    text = pdf_text(bytes(approved.pdf))
    for figure in (
        "Faces processed 12120",
        "Watchlist size 9756",
        "Alerts 11",
        "False alerts 1",
        "Engagements 7",
        "Arrests 4",
    ):
        assert figure in text, figure
    assert "0.0083 %" in text and "9.1 %" in text
    assert "Wanted by the courts" in text
    assert NARRATIVE["lessons"] in text
    deletion = approved.deletion_refs["watchlist_data_deleted"][0]
    assert f"watchlist data {deletion}" in text


def test_the_review_pdf_names_no_one_on_the_watchlist(approved):
    text = pdf_text(bytes(approved.pdf))
    assert "Restricted Person" not in text and "PNC-WM-" not in text


def test_the_stored_hash_is_the_pdfs(approved):
    assert approved.pdf_sha256 == hashlib.sha256(bytes(approved.pdf)).hexdigest()


def test_the_review_pdf_goes_into_the_inspection_export(approved, tmp_path):
    out = tmp_path / "inspection.zip"
    call_command("export_inspection", "--out", str(out), stdout=StringIO())
    with zipfile.ZipFile(out) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        path = f"reviews/deployment-{approved.deployment_id}.pdf"
        assert archive.read(path) == bytes(approved.pdf)
    assert manifest["reviews"]["included"] == 1
    assert manifest["reviews"]["files"][0]["matches_stored_sha256"]
