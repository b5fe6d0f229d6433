"""The deployments API: the whole flow (plan, start, a camera, frames posted by the camera with
its token, an alert, adjudication, engagement), the services' refusals as 400/403/409 with
{code, detail}, alerts only for those on the deployment, restricted fields masked."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.roles import Role
from deployments.models import Alert
from deployments.services.cameras import register_camera
from oversight.models import LedgerEntry
from oversight.redaction import MASK
from tests.factories import UserFactory
from tests.watchlists import images

pytestmark = pytest.mark.django_db


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


def post_frame(api_client, deployment_id, token, sequence, image=images.astronaut_again):
    return api_client.post(
        f"/api/v1/deployments/{deployment_id}/frames/",
        {
            "sequence": sequence,
            "image": SimpleUploadedFile("frame.png", image(), content_type="image/png"),
        },
        format="multipart",
        headers={"X-Camera-Token": token},
    )


def test_the_whole_flow_through_the_api(
    api_client, signed_off, silver, operator, engagement_officer, listed
):
    api_client.force_authenticate(silver)
    planned = api_client.post(
        "/api/v1/deployments/",
        {
            "watchlist": signed_off.pk,
            "operators": [operator.pk],
            "engagement_officers": [engagement_officer.pk],
        },
        format="json",
    )
    assert planned.status_code == 201, planned.content
    pk = planned.json()["id"]
    assert planned.json()["status"] == "planned" and planned.json()["name"] == signed_off.name
    started = api_client.post(f"/api/v1/deployments/{pk}/start/")
    assert started.status_code == 200 and started.json()["status"] == "running"
    refused(api_client.post(f"/api/v1/deployments/{pk}/start/"), 409, "deployment_not_running")

    api_client.force_authenticate(operator)
    refused(api_client.post(f"/api/v1/deployments/{pk}/pause/"), 403, "not_the_silver_commander")
    registered = api_client.post(
        f"/api/v1/deployments/{pk}/cameras/", {"name": "North entrance"}, format="json"
    )
    assert registered.status_code == 201, registered.content
    token = registered.json()["token"]
    detail = api_client.get(f"/api/v1/deployments/{pk}/").json()
    assert detail["cameras"][0]["name"] == "North entrance" and "token" not in detail["cameras"][0]

    # The camera posts frames with its token alone: no person's session or API token.
    api_client.force_authenticate(None)
    refused(post_frame(api_client, pk, "not-the-token", 1), 400, "unknown_camera")
    first = post_frame(api_client, pk, token, 1)
    assert first.status_code == 200, first.content
    (alert_id,) = first.json()["alert_ids"]
    assert first.json()["new_faces"] == 1
    refused(post_frame(api_client, pk, token, 1), 409, "frame_out_of_order")
    # The same person in the next frame: the same face, no second alert.
    assert post_frame(api_client, pk, token, 2).json()["alert_ids"] == []
    # The frame is the registering operator's on the ledger.
    search = LedgerEntry.objects.filter(action="engine.search_run").last()
    assert search.actor_id == operator.pk and search.data["run_id"] == detail["run_id"]

    api_client.force_authenticate(operator)
    listed_alerts = api_client.get(f"/api/v1/alerts/?deployment={pk}").json()["results"]
    assert [a["id"] for a in listed_alerts] == [alert_id]
    alert = listed_alerts[0]
    assert alert["entry_name"] == "A Person" and alert["score"] >= 0.64
    assert alert["crop"] == f"/deployments/alerts/{alert_id}/crop/"
    adjudicated = api_client.post(
        f"/api/v1/alerts/{alert_id}/adjudicate/",
        {"decision": "possible_match", "reason": "Same scar, same jawline."},
        format="json",
    )
    assert adjudicated.status_code == 200, adjudicated.content
    assert adjudicated.json()["status"] == "adjudicated"
    # A second adjudication: 409 with the code and the sentence.
    refused(
        api_client.post(
            f"/api/v1/alerts/{alert_id}/adjudicate/",
            {"decision": "no_match", "reason": "Changed my mind."},
            format="json",
        ),
        409,
        "alert_already_adjudicated",
    )
    refused(
        api_client.post(
            f"/api/v1/alerts/{alert_id}/engage/",
            {"engage": True, "outcome": "true_alert_engaged", "result": "arrest"},
            format="json",
        ),
        403,
        "not_an_engagement_officer",
    )

    api_client.force_authenticate(engagement_officer)
    engaged = api_client.post(
        f"/api/v1/alerts/{alert_id}/engage/",
        {"engage": True, "outcome": "true_alert_engaged", "result": "arrest"},
        format="json",
    )
    assert engaged.status_code == 200, engaged.content
    assert engaged.json()["status"] == "engagement_decided"

    figures = api_client.get(f"/api/v1/deployments/{pk}/").json()
    assert figures["counters"] == figures["ledger_counters"]
    assert figures["counters"] == {
        "frames_processed": 2,
        "faces_processed": 1,
        "alerts": 1,
        "adjudicated": 1,
        "false_alerts": 0,
        "engagements": 1,
        "arrests": 1,
    }

    api_client.force_authenticate(silver)
    refused(
        api_client.post(f"/api/v1/deployments/{pk}/halt/", {"reason": ""}), 400, "reasons_required"
    )
    halted = api_client.post(
        f"/api/v1/deployments/{pk}/halt/", {"reason": "Crowd surge."}, format="json"
    )
    assert halted.status_code == 200 and halted.json()["status"] == "halted"

    # A frame after the halt is refused, and the refusal is on the ledger.
    api_client.force_authenticate(None)
    refused(post_frame(api_client, pk, token, 3), 409, "deployment_not_running")
    refusal = LedgerEntry.objects.filter(action="deployment.frame_refused").last()
    assert refusal.data["code"] == "deployment_not_running"
    after = LedgerEntry.objects.filter(action="engine.search_run").count()
    assert after == 2


def test_alerts_only_for_those_on_the_deployment_and_oversight(
    api_client, running, camera, operator, silver, engagement_officer, superintendent
):
    from deployments.services.frames import process_frame

    (alert_id,) = process_frame(
        deployment=running, camera=camera, sequence=1, image=images.astronaut_again(), by=operator
    ).alert_ids
    oversight = UserFactory(username="inspectorate", roles=[Role.OVERSIGHT])
    outsider = UserFactory(username="other-operator", roles=[Role.LFR_OPERATOR])
    for user in (operator, silver, engagement_officer, oversight):
        api_client.force_authenticate(user)
        alert = api_client.get(f"/api/v1/alerts/{alert_id}/").json()
        assert alert["entry_name"] == "A Person", user.username
        assert alert["crop"] and alert["entry_image"]
    for user in (outsider, superintendent):
        api_client.force_authenticate(user)
        assert api_client.get("/api/v1/alerts/").json()["results"] == []
        assert api_client.get(f"/api/v1/alerts/{alert_id}/").status_code == 404
        # The deployment itself, with its counters, they may read.
        assert api_client.get(f"/api/v1/deployments/{running.pk}/").status_code == 200
        refused(
            api_client.post(
                f"/api/v1/deployments/{running.pk}/cameras/", {"name": "X"}, format="json"
            ),
            403,
            "not_on_the_deployment",
        )


def test_an_alert_serialized_without_a_reader_masks_the_restricted_fields(
    running, camera, operator
):
    from deployments.api.serializers import AlertSerializer
    from deployments.services.frames import process_frame

    (alert_id,) = process_frame(
        deployment=running, camera=camera, sequence=1, image=images.astronaut_again(), by=operator
    ).alert_ids
    data = AlertSerializer(Alert.objects.get(pk=alert_id)).data
    assert data["entry_name"] == MASK and data["crop"] == MASK and data["entry_image"] is None


def test_a_camera_registered_by_the_silver_commander_cannot_post_frames(
    api_client, running, silver
):
    _camera, token = register_camera(deployment=running, by=silver, name="Command van")
    refused(post_frame(api_client, running.pk, token, 1), 403, "not_on_the_deployment")


def test_unknown_fields_are_refused(api_client, running, silver):
    api_client.force_authenticate(silver)
    response = api_client.post(
        f"/api/v1/deployments/{running.pk}/pause/", {"force": True}, format="json"
    )
    assert response.status_code == 400 and "force" in response.json()


def test_a_recorded_video_is_accepted_with_202_and_listed_with_its_job(
    api_client, running, camera, operator, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.deployments.videos import astronaut_video

    api_client.force_authenticate(operator)
    url = f"/api/v1/deployments/{running.pk}/videos/"
    upload = SimpleUploadedFile("walk.mp4", astronaut_video(tmp_path / "walk.mp4", count=10))
    response = api_client.post(url, {"camera": camera.pk, "video": upload}, format="multipart")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["frame_count"] == 10 and job["camera"] == camera.pk
    assert [j["id"] for j in api_client.get(url).json()] == [job["id"]]
    # Not a video, or another deployment's camera: refused with the code, nothing queued.
    junk = SimpleUploadedFile("junk.mp4", b"not a video at all")
    refused(
        api_client.post(url, {"camera": camera.pk, "video": junk}, format="multipart"),
        400,
        "unsupported_video_format",
    )
    other = SimpleUploadedFile("walk.mp4", astronaut_video(tmp_path / "w2.mp4", count=5))
    refused(
        api_client.post(url, {"camera": 999_999, "video": other}, format="multipart"),
        400,
        "unknown_camera",
    )
    assert len(api_client.get(url).json()) == 1
