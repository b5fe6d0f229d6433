"""The deployment pages: each for its role and refused to others; the whole path through the
pages (plan, start, a camera, an alert in the queue, adjudication, engagement) with the live
counters agreeing with their recomputation from the ledger."""

import re

import pytest

from common.roles import Role
from deployments.models import Alert, AlertStatus, Deployment, DeploymentStatus
from deployments.selectors import counters, ledger_counters
from deployments.services.frames import process_frame
from deployments.services.lifecycle import complete_deployment
from tests.factories import UserFactory
from tests.watchlists import images

pytestmark = pytest.mark.django_db


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</p>', html, re.S)
    assert match, f"no error on {field}"
    return match.group(1)


def frame(deployment, camera, operator, sequence=1):
    return process_frame(
        deployment=deployment,
        camera=camera,
        sequence=sequence,
        image=images.astronaut_again(),
        by=operator,
    )


@pytest.fixture
def alert(running, camera, operator):
    (pk,) = frame(running, camera, operator).alert_ids
    return Alert.objects.get(pk=pk)


@pytest.fixture
def outsider(db):
    """An LFR operator not named on the deployment."""
    return UserFactory(username="other-operator", roles=[Role.LFR_OPERATOR])


@pytest.fixture
def oversight(db):
    return UserFactory(username="inspectorate", roles=[Role.OVERSIGHT])


def test_the_whole_path_through_the_pages(
    client, signed_off, silver, operator, engagement_officer, listed
):
    client.force_login(silver)
    page = client.get("/deployments/plan/").content.decode()
    assert signed_off.name in page and operator.display_name in page
    response = client.post(
        "/deployments/plan/",
        {
            "watchlist": signed_off.pk,
            "name": "Kestrel live",
            "operators": [operator.pk],
            "engagement_officers": [engagement_officer.pk],
        },
    )
    deployment = Deployment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/deployments/{deployment.pk}/"
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert "Kestrel live" in detail and "Planned" in detail
    assert f"/deployments/{deployment.pk}/start/" in detail
    assert f"/deployments/{deployment.pk}/pause/" not in detail
    assert client.post(f"/deployments/{deployment.pk}/start/").status_code == 302
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.RUNNING
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert f"/deployments/{deployment.pk}/pause/" in detail
    assert f"/deployments/{deployment.pk}/start/" not in detail
    assert "Halt the deployment" in detail

    client.force_login(operator)
    registered = client.post(
        f"/deployments/{deployment.pk}/cameras/", {"camera-name": "North entrance"}
    )
    html = registered.content.decode()
    assert registered.status_code == 200 and "no-store" in registered["Cache-Control"]
    token = re.search(r"<code data-camera-token>([^<]+)</code>", html).group(1)
    camera = deployment.cameras.get()
    # The token is shown once: never on the page again.
    assert token not in client.get(f"/deployments/{deployment.pk}/").content.decode()

    (pk,) = frame(deployment, camera, operator).alert_ids
    queue = client.get(f"/deployments/{deployment.pk}/alerts/").content.decode()
    assert f"/deployments/alerts/{pk}/crop/" in queue
    assert f"/deployments/alerts/{pk}/entry-image/" in queue
    assert "A Person" in queue and f"{Alert.objects.get(pk=pk).score:.4f}" in queue
    assert "Record the decision" in queue
    crop = client.get(f"/deployments/alerts/{pk}/crop/")
    assert crop.status_code == 200 and crop["Cache-Control"] == "private, no-store"
    assert crop["Content-Type"] == "image/jpeg"
    entry_image = client.get(f"/deployments/alerts/{pk}/entry-image/")
    assert entry_image.status_code == 200 and "no-store" in entry_image["Cache-Control"]
    assert b"".join(entry_image.streaming_content) == images.astronaut()
    polled = client.get(f"/deployments/{deployment.pk}/alerts.json").json()
    assert polled["new"] == [pk]

    # A missing reason: the service's sentence on the field.
    refused = client.post(
        f"/deployments/alerts/{pk}/adjudicate/",
        {f"alert-{pk}-decision": "possible_match", f"alert-{pk}-reason": ""},
    )
    assert refused.status_code == 200
    assert "Write why you decided so" in field_error(refused.content.decode(), f"alert-{pk}-reason")
    done = client.post(
        f"/deployments/alerts/{pk}/adjudicate/",
        {f"alert-{pk}-decision": "possible_match", f"alert-{pk}-reason": "Same scar."},
    )
    assert done.status_code == 302
    assert Alert.objects.get(pk=pk).status == AlertStatus.ADJUDICATED
    # The operator cannot record the engagement decision.
    assert (
        "Record the engagement decision"
        not in client.get(f"/deployments/{deployment.pk}/engagements/").content.decode()
    )

    client.force_login(engagement_officer)
    page = client.get(f"/deployments/{deployment.pk}/engagements/").content.decode()
    assert "Record the engagement decision" in page and f"alert-{pk}" in page
    engaged = client.post(
        f"/deployments/alerts/{pk}/engage/",
        {
            f"alert-{pk}-engage": "yes",
            f"alert-{pk}-outcome": "true_alert_engaged",
            f"alert-{pk}-result": "arrest",
        },
    )
    assert engaged.status_code == 302
    assert Alert.objects.get(pk=pk).status == AlertStatus.ENGAGEMENT_DECIDED

    # The live counters, and the same figures from the ledger, agree.
    figures = client.get(f"/deployments/{deployment.pk}/counters.json").json()
    assert figures["counters"] == figures["ledger"]
    assert figures["counters"] == {
        "frames_processed": 1,
        "faces_processed": 1,
        "alerts": 1,
        "adjudicated": 1,
        "false_alerts": 0,
        "engagements": 1,
        "arrests": 1,
    }
    detail = client.get(f"/deployments/{deployment.pk}/").content.decode()
    assert 'data-counter="arrests">1<' in detail and 'data-ledger="arrests">1<' in detail
    assert "js/deployment-live.js" in detail

    client.force_login(silver)
    halted = client.post(f"/deployments/{deployment.pk}/halt/", {"halt-reason": "Crowd surge."})
    assert halted.status_code == 302
    deployment.refresh_from_db()
    assert deployment.status == DeploymentStatus.HALTED


def test_a_halt_needs_a_reason_shown_on_its_field(client, running, silver):
    response = client.post(f"/deployments/{running.pk}/halt/", {"halt-reason": ""})
    assert response.status_code == 302  # not signed in: to the sign-in page
    client.force_login(silver)
    response = client.post(f"/deployments/{running.pk}/halt/", {"halt-reason": ""})
    assert response.status_code == 200
    assert "Write why the deployment is halted" in field_error(
        response.content.decode(), "halt-reason"
    )
    running.refresh_from_db()
    assert running.status == DeploymentStatus.RUNNING


def test_a_command_the_service_refuses_says_why(client, running, silver):
    client.force_login(silver)
    response = client.post(f"/deployments/{running.pk}/start/", follow=True)
    assert "Cannot start: the deployment is running." in response.content.decode()


def test_each_page_for_its_role_and_refused_to_others(
    client, running, alert, silver, operator, engagement_officer, outsider, oversight,
    superintendent,
):  # fmt: skip
    pk, a = running.pk, alert.pk
    pages = {
        "list": "/deployments/",
        "detail": f"/deployments/{pk}/",
        "counters": f"/deployments/{pk}/counters.json",
        "plan": "/deployments/plan/",
        "queue": f"/deployments/{pk}/alerts/",
        "queue_json": f"/deployments/{pk}/alerts.json",
        "engagements": f"/deployments/{pk}/engagements/",
        "crop": f"/deployments/alerts/{a}/crop/",
        "entry_image": f"/deployments/alerts/{a}/entry-image/",
    }
    alerts = {"queue", "queue_json", "engagements", "crop", "entry_image"}
    seen = {"list", "detail", "counters"}
    expected = {
        silver: seen | alerts | {"plan"},
        operator: seen | alerts,
        engagement_officer: seen | alerts,
        oversight: seen | alerts,
        # On no deployment: the deployment, never its alerts.
        outsider: seen,
        superintendent: seen,
        UserFactory(username="wlo2", roles=[Role.WATCHLIST_OFFICER]): set(),
    }
    for user, allowed in expected.items():
        client.force_login(user)
        for name, url in pages.items():
            status = client.get(url).status_code
            assert status == (200 if name in allowed else 403), (user.username, name, status)


def test_only_the_adjudicating_role_adjudicates_and_only_the_engagement_officer_engages(
    client, alert, engagement_officer, silver, outsider
):
    for user in (engagement_officer, silver, outsider):
        client.force_login(user)
        response = client.post(
            f"/deployments/alerts/{alert.pk}/adjudicate/",
            {f"alert-{alert.pk}-decision": "no_match", f"alert-{alert.pk}-reason": "No."},
        )
        assert response.status_code in (200, 403)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW


def test_a_camera_registered_by_someone_not_on_the_deployment_is_refused_with_the_reason(
    client, running, outsider
):
    client.force_login(outsider)
    response = client.post(f"/deployments/{running.pk}/cameras/", {"camera-name": "South"})
    assert response.status_code == 403
    assert "Only the Silver commander or an operator" in response.content.decode()
    assert not running.cameras.exists()


def test_a_reader_not_on_the_deployment_sees_no_restricted_field(client, running, alert, outsider):
    assert counters(running) == ledger_counters(running)
    client.force_login(outsider)
    detail = client.get(f"/deployments/{running.pk}/").content.decode()
    assert "A Person" not in detail and "/alerts/" not in detail


def test_the_page_links_to_the_review_once_ended_for_who_may_read_it(
    client, running, silver, operator
):
    """The review's link comes from reviews (deployments.links), never imported here."""
    reviewer = UserFactory(username="pdr", roles=[Role.REVIEWER], rank=40)
    url = f"/deployments/{running.pk}/"
    client.force_login(reviewer)
    before = client.get(url).content.decode()
    assert "Post-deployment review" not in before and not re.search(r"/reviews/\d+/", before)
    complete_deployment(deployment=running, by=silver)
    review = running.review
    page = client.get(url).content.decode()
    assert f'href="/reviews/{review.pk}/">Post-deployment review</a>' in page
    assert review.get_status_display() in page
    # The operator reads the deployment, never the reviews: no link to a page refused them.
    client.force_login(operator)
    page = client.get(url)
    assert page.status_code == 200 and f"/reviews/{review.pk}/" not in page.content.decode()
    assert client.get(f"/reviews/{review.pk}/").status_code in (403, 404)
