"""Every published figure can be recomputed offline from an inspection export by the exported
verifier, figure by figure; a figure altered after publication is flagged by name."""

import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command

from oversight.offline_verifier import percent, verify_export
from reviews.figures import rate
from reviews.models import PublishedDeployment
from tests.reviews.test_publication import approved, published, publisher  # noqa: F401

pytestmark = pytest.mark.django_db


def export(tmp_path, name="inspection"):
    out = tmp_path / f"{name}.zip"
    call_command("export_inspection", "--out", str(out), stdout=StringIO())
    folder = tmp_path / f"{name}-unpacked"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    return out, folder


def test_every_published_figure_is_recomputed_offline(published, tmp_path):  # noqa: F811
    out, folder = export(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["publications"]["files"][0]["reference"] == published.reference
    ok, line = verify_export(out)
    assert ok, line
    assert "every figure of 1 published deployments recomputed from the ledger" in line


def test_a_figure_altered_after_publication_is_flagged(published, tmp_path):  # noqa: F811
    record = published.record | {"arrests": 5}
    PublishedDeployment.objects.filter(pk=published.pk).update(record=record)
    out, _ = export(tmp_path)
    ok, line = verify_export(out)
    assert not ok
    assert f"publication {published.reference}" in line
    assert "figure arrests in the published record reads 5; the ledger's events give 4" in line


def test_a_record_edited_in_the_export_is_flagged(published, tmp_path):  # noqa: F811
    _, folder = export(tmp_path)
    path = folder / f"publications/{published.reference}.json"
    record = json.loads(path.read_text()) | {"false_alerts": 0}
    path.write_text(json.dumps(record))
    ok, line = verify_export(folder)
    assert not ok and "figure false_alerts in the published record reads 0" in line


@pytest.mark.parametrize(
    ("n", "d"), [(1, 12_120), (1, 11), (10, 3_147_436), (10, 2_077), (0, 7), (3, 0), (5, 5)]
)
def test_the_verifier_rounds_rates_as_the_platform_does(n, d):
    assert percent(n, d) == rate(n, d)


def test_a_review_pdf_replaced_in_the_export_is_flagged(published, tmp_path):  # noqa: F811
    review = published.deployment.review
    _, folder = export(tmp_path)
    path = folder / f"reviews/deployment-{review.deployment_id}.pdf"
    path.write_bytes(b"%PDF-1.7 another review")
    ok, line = verify_export(folder)
    assert not ok and "does not match the pdf_sha256 its approval put on the ledger" in line
