"""The platform's story in a real browser, one person after another, as issue 21 tells it:
draft and submit, consult and authorise with a condition, download the WAD; compose a
watchlist by bulk import and sign it off; plan and start a deployment, process a camera's video,
adjudicate and decide on its alert; halt, and the camera's next frame is refused; the next
day, once the retention jobs have deleted the watchlist's data and the alert image, write,
submit and approve the post-deployment review and publish its results, which the public
transparency site then shows signed out; verify the ledger, download an inspection export from
its page and check it with the offline verifier.

Every page visited is checked by axe-core at 1280 px and at 320 px (no serious or critical
violation); a screenshot of each step lands in var/e2e/screenshots/ (docs/e2e.md).
"""

import csv
import hashlib
import io
import subprocess
import sys
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from authority import builders
from authority.models import Application, ApplicationStatus, Rank
from common.roles import Role
from deployments.models import Alert, Deployment, DeploymentStatus
from deployments.rules import alert_image_retention_hours
from deployments.tasks import delete_alert_images
from oversight.models import ExportState, InspectionExport
from reviews.models import PublicationStatus, PublishedDeployment, Review, ReviewStatus
from reviews.public import COLUMN_KEYS, COLUMNS, FIGURE_KEYS
from tests.deployments.videos import astronaut_frames, write_video
from tests.e2e.journey_helpers import fill, press
from tests.factories import OversightFactory, StaffFactory, UserFactory
from tests.watchlists import images
from watchlists.deletion_tasks import delete_due_watchlist_data
from watchlists.models import Watchlist, WatchlistStatus
from watchlists.rules import deletion_delay

pytestmark = pytest.mark.django_db(transaction=True)

# What the reviewer writes: each part of the review's narrative.
REVIEW_NARRATIVE = {
    "system_performance": "One camera ran until the halt; its video was processed in full.",
    "safeguards": "The alert was adjudicated by the operator before the engagement decision.",
    "equality": "One alert is too few to show anything by group.",
    "lessons": "Plan crowd control at the main gate before the next deployment.",
    "deletion_attestation": "Faces that matched no one were never stored; the watchlist's "
    "images and templates and the alert image were deleted by their jobs.",
}


def no_errors(page) -> None:
    summary = page.locator(".govuk-error-summary")
    if summary.count():
        raise AssertionError(f"{page.url} refused: {summary.first.inner_text()}")


@pytest.fixture
def people(db):
    from biometric_engine.services import record_equitability_report
    from tests.biometric_engine.equitability_fixtures import synthetic_report

    # The engine refuses a model without an equitability report: one whose floor is 0.600.
    record_equitability_report(
        report=synthetic_report((0.3, 0.5, 0.6), b_highest=0.55), dataset="synthetic scores"
    )
    return {
        "applicant": UserFactory(
            username="e2e-applicant", rank=Rank.INSPECTOR, roles=[Role.APPLICANT]
        ),
        "superintendent": UserFactory(
            username="e2e-supt", rank=Rank.SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
        ),
        "chief": UserFactory(username="e2e-chief", rank=Rank.COMMANDER, roles=[Role.CHIEF_OFFICER]),
        "gold_commander": UserFactory(
            username="e2e-gold", rank=Rank.CHIEF_SUPERINTENDENT, roles=[Role.AUTHORISING_OFFICER]
        ),
        "silver_commander": UserFactory(
            username="e2e-silver", rank=Rank.CHIEF_INSPECTOR, roles=[Role.SILVER_COMMANDER]
        ),
        "bronze_commander": UserFactory(username="e2e-bronze", rank=Rank.INSPECTOR),
        "watchlist": UserFactory(username="e2e-wlo", roles=[Role.WATCHLIST_OFFICER]),
        "operator": UserFactory(username="e2e-operator", roles=[Role.LFR_OPERATOR]),
        "engagement": UserFactory(username="e2e-eo", roles=[Role.ENGAGEMENT_OFFICER]),
        "oversight": OversightFactory(username="e2e-oversight"),
        "reviewer": UserFactory(
            username="e2e-reviewer", rank=Rank.CHIEF_INSPECTOR, roles=[Role.REVIEWER]
        ),
        "publisher": StaffFactory(username="e2e-publisher", roles=[Role.PUBLISHER]),
    }


def _draft_sections(people) -> list[tuple[str, dict]]:
    """The drafting pages in order, with what the applicant types into each (builders'
    plausible application, starting a few minutes ago so the deployment can run now)."""
    commanders = {k: people[k] for k in ("gold_commander", "silver_commander", "bronze_commander")}
    f = builders.complete_fields(decider=people["superintendent"], commanders=commanders)
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    alternative, location = builders.ALTERNATIVES[0], builders.LOCATIONS[0]
    dpia = builders.current_assessments()[0]
    pick = lambda *names: {n: f[n] for n in names}  # noqa: E731
    return [
        ("basics", {"mode": "lfr", "operation_name": "Operation Osprey",
                    **pick("aim", "legitimate_aim", "legal_bases", "schedule_8_condition")}),
        ("case", pick("intelligence_case", "necessity", "proportionality")),
        ("alternatives", {f"alternatives-0-{k}": v for k, v in alternative.items()}),
        ("watchlist", pick("watchlist_rationale", "requested_categories", "max_watchlist_size")),
        ("locations", {f"locations-0-{k}": v for k, v in location.items()}),
        ("timing", {"start_at": start, "end_at": start + timedelta(hours=6),
                    **pick("advance_notice", "notice_details")}),
        ("command", {**commanders, **pick("resourcing", "safeguards",
                                          "equality_considerations", "training_confirmed")}),
        ("matching", {"model_version": f["model_version"],
                      "requested_threshold": Decimal("0.640")}),
        ("assessments", {f"assessments-0-{k}": v for k, v in dpia.items()}),
    ]  # fmt: skip


def _import_files() -> tuple[bytes, bytes]:
    """The watchlist officer's bulk import: two people, their custody images in a ZIP."""
    from tests.watchlists.test_import import csv_of, row

    rows = [row("PNC-ASTRO", "astronaut.png"), row("PNC-HANKS", "hanks.png", name="B Person")]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("astronaut.png", images.astronaut())
        zf.writestr("hanks.png", images.tom_hanks())
    return csv_of(rows), archive.getvalue()


def _api_token(page, username: str) -> str:
    from tests.e2e.conftest import PASSWORD

    answer = page.request.post(
        "/api/v1/auth/token/", data={"username": username, "password": PASSWORD}
    )
    assert answer.ok, answer.text()
    return answer.json()["token"]


def test_the_whole_journey_in_a_browser(pages, people, eager_tasks, tmp_path, monkeypatch):
    # 1. The applicant drafts the application, page by page, and submits it.
    page = pages.sign_in("e2e-applicant")
    page.goto("/applications/")
    pages.audit(page, "applications (applicant)")
    page.goto("/applications/new/")
    for section, values in _draft_sections(people):
        pages.audit(page, f"draft: {section}")
        fill(page, values)
        press(page, "Save and continue")
        no_errors(page)
    application = Application.objects.get(operation_name="Operation Osprey")
    assert page.url.endswith(f"/applications/{application.pk}/edit/submit/")
    pages.audit(page, "draft: submit")
    assert "Every required section is complete." in page.content()
    fill(page, {"submitted_to": people["superintendent"]})
    pages.shot(page, "applicant submits")
    press(page, "Submit to the authorising officer")
    no_errors(page)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    pages.audit(page, "application (applicant, submitted)")
    pages.shot(page, "submitted")

    # 2. The Chief Officer gives their view; the authorising officer authorises it with a
    # condition (a smaller watchlist and a safeguard) and downloads the WAD.
    page = pages.sign_in("e2e-chief")
    page.goto(f"/applications/{application.pk}/")
    page.get_by_role("link", name="Give the Chief Officer's view").click()
    pages.audit(page, "chief officer consultation")
    fill(page, {"outcome": "noted", "comments": "Proportionate; proceed."})
    press(page, "Record")
    no_errors(page)
    pages.shot(page, "chief officer consulted")

    page = pages.sign_in("e2e-supt")
    page.goto(f"/applications/{application.pk}/")
    pages.audit(page, "application (authorising officer)")
    page.get_by_role("link", name="Decide", exact=True).click()
    pages.audit(page, "decide")
    fill(
        page,
        {
            "decision": "authorise",
            "reasons": "Necessary and proportionate: a bespoke list of people wanted on warrant.",
            "max_watchlist_size": 10,
            "safeguards": "No engagement without a second officer's view of the alert.",
        },
    )
    pages.shot(page, "authorising officer decides")
    press(page, "Record")
    no_errors(page)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.AUTHORISED
    assert application.decisions.get().conditions.count() == 2
    pages.audit(page, "application (authorised)")
    pages.shot(page, "authorised with conditions")
    wad_link = page.get_by_role("link", name="Version 1", exact=False).first
    wad = page.request.get(wad_link.get_attribute("href"))
    assert wad.ok and wad.headers["content-type"] == "application/pdf"
    assert wad.body().startswith(b"%PDF")
    (pages.folder / "wad-v1.pdf").write_bytes(wad.body())

    # 3. The watchlist officer creates the watchlist and imports it (CSV + ZIP); the
    # authorising officer signs it off.
    page = pages.sign_in("e2e-wlo")
    page.goto("/watchlists/new/")
    pages.audit(page, "new watchlist")
    location = application.locations.get()
    fill(
        page,
        {
            "authority": application,
            "name": "Osprey: main gate",
            "deployment_start": application.valid_from + timedelta(minutes=1),
            "deployment_end": application.valid_until - timedelta(minutes=1),
            "location": location,
        },
    )
    press(page, "Create the watchlist")
    no_errors(page)
    watchlist = Watchlist.objects.get(name="Osprey: main gate")
    pages.audit(page, "watchlist (composing)")
    page.get_by_role("button", name="Import entries (CSV + ZIP)").click()
    page.wait_for_load_state()
    pages.audit(page, "import")
    csv_bytes, zip_bytes = _import_files()
    page.set_input_files(
        "#id_csv_file", files=[{"name": "entries.csv", "mimeType": "text/csv", "buffer": csv_bytes}]
    )
    page.set_input_files(
        "#id_zip_file",
        files=[{"name": "images.zip", "mimeType": "application/zip", "buffer": zip_bytes}],
    )
    press(page, "Start the import")
    no_errors(page)
    pages.audit(page, "import results")
    pages.shot(page, "watchlist imported")
    assert watchlist.entries.count() == 2, page.locator("main").inner_text()

    page = pages.sign_in("e2e-supt")
    page.goto(f"/watchlists/{watchlist.pk}/sign-off/")
    pages.audit(page, "watchlist sign-off")
    press(page, f"Sign off version {watchlist.version}")
    no_errors(page)
    watchlist.refresh_from_db()
    assert watchlist.status == WatchlistStatus.SIGNED_OFF
    pages.audit(page, "watchlist (signed off)")
    pages.shot(page, "watchlist signed off")

    # 4. The Silver commander plans and starts the deployment; the operator registers the
    # camera, whose recorded video is processed (the API, as a camera's recorder uploads it).
    page = silver = pages.sign_in("e2e-silver")
    page.goto("/deployments/plan/")
    pages.audit(page, "plan a deployment")
    fill(
        page,
        {
            "watchlist": watchlist,
            "name": "Osprey day 1",
            "operators": [people["operator"]],
            "engagement_officers": [people["engagement"]],
        },
    )
    press(page, "Plan the deployment")
    no_errors(page)
    deployment = Deployment.objects.get(watchlist=watchlist)
    pages.audit(page, "deployment (planned)")
    press(page, "Start")
    no_errors(page)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.RUNNING
    pages.audit(page, "deployment (running)")
    pages.shot(page, "silver commander starts the deployment")

    page = operator = pages.sign_in("e2e-operator")
    page.goto(f"/deployments/{deployment.pk}/")
    pages.audit(page, "deployment (operator)")
    fill(page, {"camera-name": "Main gate, camera 1"})
    press(page, "Register a camera")
    no_errors(page)
    token = page.locator("[data-camera-token]").inner_text().strip()
    camera = deployment.cameras.get()
    pages.audit(page, "camera registered")
    video = write_video(tmp_path / "gate.avi", astronaut_frames(10)).read_bytes()
    answer = page.request.post(
        f"/api/v1/deployments/{deployment.pk}/videos/",
        headers={"Authorization": f"Token {_api_token(page, 'e2e-operator')}"},
        multipart={
            "camera": str(camera.pk),
            "video": {"name": "gate.avi", "mimeType": "video/x-msvideo", "buffer": video},
        },
    )
    assert answer.status == 202, answer.text()
    job = deployment.videos.get()
    assert (job.status, job.alerts_raised) == ("done", 1), (job.status, job.error)
    page.goto(f"/deployments/{deployment.pk}/")
    pages.shot(page, "video processed")

    # 5. The operator adjudicates the alert; the engagement officer decides to engage.
    alert = Alert.objects.get(deployment=deployment)
    page.goto(f"/deployments/{deployment.pk}/alerts/")
    pages.audit(page, "alert queue")
    fill(
        page,
        {
            f"alert-{alert.pk}-decision": "possible_match",
            f"alert-{alert.pk}-reason": "Same face as the custody image.",
        },
    )
    press(page, "Record the decision")
    no_errors(page)
    # The confirmation names the status just recorded (it once named the one before).
    assert f"Alert {alert.pk}: Possible match: awaiting the engagement decision." in page.content()
    pages.shot(page, "operator adjudicates")

    page = pages.sign_in("e2e-eo")
    page.goto(f"/deployments/{deployment.pk}/engagements/")
    pages.audit(page, "engagements")
    fill(
        page,
        {
            f"alert-{alert.pk}-engage": "yes",
            f"alert-{alert.pk}-outcome": "true_alert_engaged",
            f"alert-{alert.pk}-result": "arrest",
            f"alert-{alert.pk}-note": "Identity confirmed; arrested on the warrant.",
        },
    )
    press(page, "Record the engagement decision")
    no_errors(page)
    alert.refresh_from_db()
    assert (alert.decision, alert.adjudicated_by) == ("possible_match", people["operator"])
    assert (alert.status, alert.engaged, alert.result) == ("engagement_decided", True, "arrest")
    pages.audit(page, "engagements (decided)")
    pages.shot(page, "engagement officer decides")

    # 6. The Silver commander halts; the camera's next frame is refused.
    page = silver
    page.goto(f"/deployments/{deployment.pk}/")
    fill(page, {"halt-reason": "Crowd surge at the main gate: stop the engine now."})
    press(page, "Halt the deployment")
    no_errors(page)
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.HALTED
    pages.audit(page, "deployment (halted)")
    pages.shot(page, "silver commander halts")
    frame = io.BytesIO()
    from PIL import Image

    Image.fromarray(astronaut_frames(1)[0]).save(frame, format="JPEG")
    refused = operator.request.post(
        f"/api/v1/deployments/{deployment.pk}/frames/",
        headers={"X-Camera-Token": token},
        multipart={
            "sequence": "1000",
            "image": {"name": "f.jpg", "mimeType": "image/jpeg", "buffer": frame.getvalue()},
        },
    )
    assert refused.status in (403, 409), (refused.status, refused.text())
    assert refused.json()["code"], refused.text()

    # 7. A day later the hourly retention jobs have run, as beat runs them: the watchlist's
    # images and templates (due an hour after its deployment's planned end) and the alert's
    # image (kept 24 hours) are deleted, each attested on the ledger. The clock moves on; every
    # page from here is the day after's, and everyone signs in again.
    later = max(
        watchlist.deployment_end + deletion_delay(),
        alert.created_at + timedelta(hours=alert_image_retention_hours()),
    ) + timedelta(minutes=5)
    real_now, offset = timezone.now, later - timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real_now() + offset)
    assert delete_due_watchlist_data.delay().get()["deleted"] == [watchlist.pk]
    assert delete_alert_images.delay().get()["deleted"] == 1

    # 8. A reviewer writes the post-deployment review the halt opened, and submits it.
    review = Review.objects.get(deployment=deployment)
    page = pages.sign_in("e2e-reviewer")
    page.goto("/reviews/")
    pages.audit(page, "reviews (reviewer)")
    page.get_by_role("link", name=deployment.name, exact=True).click()
    page.wait_for_load_state()
    pages.audit(page, "review (open)")
    fill(page, REVIEW_NARRATIVE)
    pages.shot(page, "reviewer writes the review")
    press(page, "Save and submit for approval")
    no_errors(page)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED, page.locator("main").inner_text()
    assert review.deletion_refs["watchlist_data_deleted"], review.deletion_refs
    assert review.deletion_refs["alert_images_deleted"], review.deletion_refs
    figures = review.figures
    assert (figures["alerts"], figures["false_alerts"], figures["arrests"]) == (1, 0, 1)
    pages.audit(page, "review (submitted)")
    pages.shot(page, "review submitted")

    # 9. The authorising officer, another officer than the author, approves it (its PDF is
    # rendered and hashed); a publisher publishes the results.
    page = pages.sign_in("e2e-supt")
    page.goto(f"/reviews/{review.pk}/")
    pages.audit(page, "review (approver)")
    press(page, "Approve the review")
    no_errors(page)
    review.refresh_from_db()
    assert (review.status, review.approved_by) == (ReviewStatus.APPROVED, people["superintendent"])
    pages.audit(page, "review (approved)")
    pages.shot(page, "authorising officer approves the review")
    pdf = page.request.get(f"/reviews/{review.pk}/review.pdf")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert pdf.headers["x-content-sha256"] == review.pdf_sha256

    page = pages.sign_in("e2e-publisher")
    page.goto("/reviews/publications/")
    pages.audit(page, "publications")
    fill(page, {"purpose": "To find people wanted by the courts at the main gate."})
    press(page, f"Publish the results of {deployment.location.name}")
    no_errors(page)
    publication = PublishedDeployment.objects.get(deployment=deployment)
    assert publication.status == PublicationStatus.PUBLISHED
    pages.audit(page, "publications (published)")
    pages.shot(page, "publisher publishes the results")

    # 10. Signed out, the public site shows the record: the figures are the review's, and no
    # one's name (but the authorising officer's, named by design at Superintendent and above)
    # nor any watchlist record id is on it.
    public = {key: str(figures[key]) for key in FIGURE_KEYS}
    page = pages.signed_out()
    page.goto("/transparency/")
    pages.audit(page, "transparency (public)")
    row = page.locator("table tr", has=page.locator(f'th a:text-is("{publication.reference}")'))
    cells = dict(zip(COLUMN_KEYS, row.first.locator("th, td").all_inner_texts(), strict=True))
    assert {key: cells[key] for key in FIGURE_KEYS} == public
    pages.shot(page, "public transparency page")
    seen = [page.locator("main").inner_text()]
    page.get_by_role("link", name=publication.reference, exact=True).first.click()
    page.wait_for_load_state()
    pages.audit(page, "transparency: the deployment (public)")
    shown = {
        row.locator("dt").inner_text(): row.locator("dd").inner_text()
        for row in page.locator(".govuk-summary-list__row").all()
    }
    assert {key: shown[heading] for key, heading, _ in COLUMNS if key in public} == public
    pages.shot(page, "public deployment page")
    seen.append(page.locator("main").inner_text())
    answer = page.request.get("/transparency/deployments.csv")
    assert answer.ok and answer.headers["content-type"].startswith("text/csv")
    (published,) = [
        r
        for r in csv.DictReader(io.StringIO(answer.text()))
        if r["reference"] == publication.reference
    ]
    assert {key: published[key] for key in FIGURE_KEYS} == public
    seen.append(answer.text())
    hidden = [
        name
        for who, person in people.items()
        if who != "superintendent"
        for name in (person.get_full_name(), person.username)
    ] + list(watchlist.entries.values_list("record_id", flat=True))
    assert hidden and all(name for name in hidden)
    found = [name for name in hidden for text in seen if name in text]
    assert not found, f"on the public site: {found}"

    # 11. Oversight verifies the ledger, downloads the signed checkpoint, and checks an
    # inspection export offline against it.
    call_command("ledger_checkpoint", verbosity=0)  # what the hourly beat job does
    page = pages.sign_in("e2e-oversight")
    page.goto("/oversight/")
    pages.audit(page, "oversight timeline")
    page.goto("/oversight/verify/")
    pages.audit(page, "verify the ledger")
    press(page, "Run the verification")
    assert "The ledger is intact" in page.content(), page.locator("main").inner_text()
    pages.audit(page, "ledger verified")
    pages.shot(page, "oversight verifies the ledger")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download it").click()
    checkpoint = tmp_path / "checkpoint.json"
    download.value.save_as(checkpoint)
    # The inspection export, asked for on its page; the build (a Celery task, eager here) has
    # recorded the zip's SHA-256, which the file downloaded must have.
    page.goto("/oversight/exports/")
    pages.audit(page, "inspection exports")
    press(page, "Request an export")
    no_errors(page)
    built = InspectionExport.objects.get()
    assert built.state == ExportState.BUILT, (built.state, built.error)
    assert built.sha256 in page.content()
    pages.audit(page, "inspection export built")
    pages.shot(page, "oversight downloads an inspection export")
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Download export {built.pk}").click()
    export = tmp_path / "inspection.zip"
    download.value.save_as(export)
    assert hashlib.sha256(export.read_bytes()).hexdigest() == built.sha256
    with zipfile.ZipFile(export) as zf:
        verifier = tmp_path / "verify_inspection.py"
        verifier.write_bytes(zf.read("verify_inspection.py"))
    checked = subprocess.run(
        [sys.executable, str(verifier), str(export), "--checkpoint", str(checkpoint)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (pages.folder / "offline-verifier.txt").write_text(checked.stdout)

    assert not pages.violations, "axe-core found:\n" + "\n".join(pages.violations)
