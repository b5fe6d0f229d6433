"""The demo's deployment on a fresh machine: Operation Osprey's signed-off watchlist deployed,
a camera's short video generated from package sample faces processed through the real path,
its alerts waiting for adjudication (README: "Demo images")."""

import io
import re

import pytest
from django.core.management import call_command

from deployments.demo import CAMERA, demo_frames
from deployments.models import Alert, Deployment, VideoJob
from watchlists.demo import WATCHLIST


def test_the_demo_video_is_five_seconds_at_ten_frames_a_second():
    frames = demo_frames()
    assert len(frames) == 50 and frames[0].shape == (540, 960, 3)


@pytest.mark.django_db
def test_seed_demo_deploys_osprey_and_leaves_alerts_awaiting_adjudication(settings):
    settings.WA_EQUITY_FPIR_TOLERANCE = 0.03  # the demo's rule (config/settings/local.py)
    out = io.StringIO()
    call_command("seed_demo", password="demo-pass-for-tests", stdout=out)
    deployment = Deployment.objects.get(watchlist__name=WATCHLIST)
    assert deployment.status == "running"
    job = VideoJob.objects.get(deployment=deployment)
    assert job.camera.name == CAMERA
    assert (job.status, job.frames_done, job.frame_count) == ("done", 50, 50)
    # Faces, not frames: about seven people in view across 50 frames, never hundreds.
    assert 5 <= job.faces_processed <= 15
    alerts = Alert.objects.filter(deployment=deployment)
    assert alerts.count() == job.alerts_raised >= 4
    assert set(alerts.values_list("status", flat=True)) == {"new"}
    said = re.search(r"(\d+) faces processed, (\d+) alerts awaiting adjudication", out.getvalue())
    assert said and (int(said[1]), int(said[2])) == (job.faces_processed, job.alerts_raised)

    # Idempotent: a second run deploys nothing new and processes nothing again.
    again = io.StringIO()
    call_command("seed_demo", password="demo-pass-for-tests", stdout=again)
    # (The reviews demo adds its own past deployment, Kestrel: reviews.demo.)
    assert Deployment.objects.filter(watchlist__name=WATCHLIST).count() == 1
    assert VideoJob.objects.count() == 1
    assert Alert.objects.filter(deployment=deployment).count() == job.alerts_raised
    assert said[0] in again.getvalue()
