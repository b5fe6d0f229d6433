"""Recorded video through the deployment's frame path: checked whole before it is kept, run in
chunks by a Celery task, resumed after a worker dies without counting a face or raising an
alert twice, stopped at the next frame by a halt, never lost when the broker is down."""

import time
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from kombu.exceptions import OperationalError

from biometric_engine.engine import engine_limits
from deployments import tasks
from deployments.models import Alert, VideoJob
from deployments.selectors import ledger_counters
from deployments.services import video as video_service
from deployments.services.lifecycle import halt_deployment
from deployments.services.video import VideoHooks, requeue_video_jobs, run_video_job, upload_video
from oversight.models import LedgerEntry
from tests.biometric_engine.test_video import cut_short, write_noisy_video
from tests.deployments.videos import astronaut_video

CHUNK = 5


@pytest.fixture(autouse=True)
def small_chunks(settings):
    settings.WA_VIDEO_CHUNK_FRAMES = CHUNK


def stored_videos(deployment) -> list[str]:
    folder = f"deployments/videos/{deployment.pk}"
    return default_storage.listdir(folder)[1] if default_storage.exists(folder) else []


def upload(running, camera, operator, data) -> VideoJob:
    return upload_video(deployment=running, camera=camera, by=operator, data=data)


def run_task(job) -> dict:
    return tasks.run_video_job_task.apply(args=[job.pk]).get()


def in_process(job_id: int):
    """What ``delay`` does with eager tasks, also where .ci/run has a real worker: the worker
    cannot see this test's uncommitted rows, so the enqueued job runs here."""
    return tasks.run_video_job_task.apply(args=[job_id])


def alert_keys(job) -> list[tuple]:
    return sorted(
        Alert.objects.filter(video_job=job).values_list("frame_sequence", "probe_index", "entry")
    )


def test_a_video_runs_through_and_a_face_in_thirty_frames_is_one_face_and_one_alert(
    running, camera, operator, listed, tmp_path
):
    job = upload(running, camera, operator, astronaut_video(tmp_path / "v.avi", 30))
    assert (job.status, job.frame_count, job.frames_done) == ("queued", 30, 0)
    assert stored_videos(running) == [job.video.name.rsplit("/", 1)[1]]
    uploaded = LedgerEntry.objects.get(action="deployment.video_uploaded")
    assert uploaded.data["sha256"] == job.sha256 and uploaded.data["frames"] == 30

    outcome = run_task(job)
    job.refresh_from_db()
    assert outcome["status"] == "done" and job.error_code == ""
    assert (job.frames_done, job.faces_processed, job.alerts_raised) == (30, 1, 1)
    (alert,) = Alert.objects.all()
    assert alert.video_job == job and alert.entry == listed and alert.score >= 0.64
    assert alert.frame_sequence == 0 and alert.probe_index == 0 and alert.crop_sha256
    running.refresh_from_db()
    assert (running.frames_processed, running.faces_processed, running.alerts_raised) == (30, 1, 1)
    # Every frame admitted and ledgered by the gate, with the deployment's run id.
    searches = LedgerEntry.objects.filter(action="engine.search_run")
    assert searches.count() == 30
    assert {e.data["run_id"] for e in searches} == {running.run_id}
    # Searched with its best view, not in every frame: the frames after the first cost
    # detection only (each search_run says how many faces it found and how many it searched).
    runs = LedgerEntry.objects.filter(action="engine.search_run")
    assert [e.data["faces_count"] for e in runs] == [1] * 30
    assert [e.data["probes"] for e in runs] == [1] + [0] * 29
    # The file goes once the job stops; the figures stay on the ledger.
    assert stored_videos(running) == [] and job.video.name == ""
    processed = LedgerEntry.objects.get(action="deployment.video_processed")
    assert (processed.data["faces_processed"], processed.data["alerts"]) == (1, 1)
    # Run twice (acks_late redelivery): nothing happens the second time.
    assert run_task(job)["frames_done"] == 30
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 30


def test_a_sampled_video_searches_every_nth_frame_and_reads_them_all(
    running, camera, operator, listed, tmp_path, settings
):
    """WA_VIDEO_SAMPLE_FPS: 30 frames at 10 fps sampled at 5 are 15 searches; the resume point
    still counts every frame read, and the face is one face and one alert."""
    settings.WA_VIDEO_SAMPLE_FPS = 5
    settings.WA_VIDEO_CHUNK_FRAMES = 4  # chunks that end on skipped frames, and on searched
    job = upload(running, camera, operator, astronaut_video(tmp_path / "v.avi", 30))
    assert run_task(job)["status"] == "done"
    job.refresh_from_db()
    running.refresh_from_db()
    assert (job.frames_done, job.faces_processed, job.alerts_raised) == (30, 1, 1)
    assert (running.frames_processed, running.faces_processed) == (15, 1)
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == 15
    processed = LedgerEntry.objects.get(action="deployment.video_processed")
    assert processed.data["sample_every_nth_frame"] == 2


class WorkerKilled(BaseException):
    """A worker dying mid-chunk: not an error the job could catch and record."""


def test_a_job_killed_mid_chunk_resumes_with_the_same_counts_and_alerts(
    running, camera, operator, listed, tmp_path, monkeypatch
):
    # The face enters at frame 6: its alert is raised in the second chunk (frames 5-9), and
    # the worker dies at frame 8, after the alert committed but before the chunk did.
    data = astronaut_video(tmp_path / "v.avi", 14, absent_before=6)
    whole = upload(running, camera, operator, data)
    run_task(whole)
    whole.refresh_from_db()
    assert (whole.status, whole.faces_processed, whole.alerts_raised) == ("done", 1, 1)

    killed = upload(running, camera, operator, data)

    def die(frame, outcome):
        if frame.index == 8:
            raise WorkerKilled()

    with pytest.raises(WorkerKilled):
        run_video_job(killed.pk, hooks=VideoHooks(frame_done=die))
    killed.refresh_from_db()
    assert (killed.status, killed.frames_done, killed.faces_processed) == ("running", 5, 0)
    assert killed.alerts_raised == 1  # committed with the gate's event at frame 6

    # Its lease is still held: a redelivered task leaves it alone...
    assert run_task(killed)["status"] == "running"
    # ...until the lease runs out, and the beat job enqueues it again.
    later = timezone.now() + timedelta(seconds=video_service.video_lease_seconds() + 1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(tasks.run_video_job_task, "delay", in_process)
    assert requeue_video_jobs() == 1
    killed.refresh_from_db()
    assert killed.status == "done" and killed.frames_done == 14
    assert (killed.faces_processed, killed.alerts_raised) == (whole.faces_processed, 1)
    assert alert_keys(killed) == alert_keys(whole)
    assert LedgerEntry.objects.filter(action="deployment.video_resumed").count() == 1
    running.refresh_from_db()
    assert (running.frames_processed, running.faces_processed, running.alerts_raised) == (28, 2, 2)
    # The ledger agrees on faces and alerts; it also shows the four frames searched twice.
    from_ledger = ledger_counters(running)
    assert (from_ledger.faces_processed, from_ledger.alerts) == (2, 2)
    assert from_ledger.frames_processed == 28 + 4


@pytest.mark.parametrize("problem", ["truncated", "not_a_video", "too_long", "too_large", "empty"])
def test_a_bad_video_is_refused_whole_with_nothing_written(
    problem, running, camera, operator, tmp_path, settings
):
    path = tmp_path / "camera.avi"
    write_noisy_video(path)  # 30 frames at 10 fps
    expected = {
        "truncated": "video_truncated",
        "not_a_video": "unsupported_video_format",
        "too_long": "video_too_long",
        "too_large": "file_too_large",
        "empty": "empty_file",
    }[problem]
    if problem == "truncated":
        cut_short(path, 0.5)
    elif problem == "not_a_video":
        path.write_bytes(b"#EXTM3U\nhttp://example.invalid/stream.ts\n" * 20)
    elif problem == "too_long":
        settings.WA_MAX_VIDEO_SECONDS = 1.0
    elif problem == "too_large":
        settings.WA_MAX_VIDEO_BYTES = path.stat().st_size - 1
    elif problem == "empty":
        path.write_bytes(b"")
    engine_limits.cache_clear()  # the engine reads its limits once
    try:
        with pytest.raises(Exception) as refused, path.open("rb") as handle:
            upload(running, camera, operator, handle)
    finally:
        engine_limits.cache_clear()
    assert refused.value.code == expected
    assert not VideoJob.objects.exists() and stored_videos(running) == []
    event = LedgerEntry.objects.get(action="deployment.video_refused")
    assert event.data["code"] == expected and event.data["stage"] == "upload"


def test_a_video_after_a_halt_is_refused(running, camera, operator, silver, tmp_path):
    halt_deployment(deployment=running, by=silver, reason="Crowd surge at the main gate.")
    path = write_noisy_video_at(tmp_path)
    with pytest.raises(Exception) as refused:
        upload(running, camera, operator, path.read_bytes())
    assert refused.value.code == "deployment_not_running"
    assert not VideoJob.objects.exists() and stored_videos(running) == []


def write_noisy_video_at(tmp_path):
    path = tmp_path / "noise.avi"
    write_noisy_video(path)
    return path


def test_a_halt_stops_a_running_job_at_the_next_frame(running, camera, operator, silver, tmp_path):
    job = upload(running, camera, operator, write_noisy_video_at(tmp_path).read_bytes())

    def halt_after_first_chunk(job):
        if job.frames_done == CHUNK:
            halt_deployment(deployment=running, by=silver, reason="Crowd surge.")

    job = run_video_job(job.pk, hooks=VideoHooks(chunk_done=halt_after_first_chunk))
    assert (job.status, job.error_code, job.frames_done) == ("refused", "deployment_not_running", 5)
    assert LedgerEntry.objects.filter(action="engine.search_run").count() == CHUNK
    refused = LedgerEntry.objects.get(action="deployment.video_refused")
    assert refused.data["stage"] == "processing" and refused.data["frames_processed"] == 5
    assert stored_videos(running) == []


def test_an_upload_while_the_broker_is_down_stays_queued_and_is_enqueued_again(
    running, camera, operator, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_video_job_task, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        job = upload(running, camera, operator, write_noisy_video_at(tmp_path).read_bytes())
    job.refresh_from_db()
    assert job.status == "queued" and stored_videos(running)  # kept, never lost
    assert requeue_video_jobs() == 0  # not yet a minute
    monkeypatch.setattr(tasks.run_video_job_task, "delay", in_process)  # the broker is back
    later = timezone.now() + timedelta(seconds=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert requeue_video_jobs() == 1  # enqueued again, and run here
    job.refresh_from_db()
    assert job.status == "done" and job.frames_done == 30


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_processes_an_uploaded_video(tmp_path, settings):
    """On the real clock (the worker's), not the tests' frozen one: an authority valid now
    (``gate.benchmark``), its watchlist with the astronaut, a running deployment; the upload's
    on-commit enqueue hands the job to the worker, which reads the file from its own media
    folder (config.settings.base's, or WA_MEDIA_ROOT for both)."""
    import os
    from pathlib import Path

    from common.roles import Role
    from deployments.services.cameras import register_camera
    from deployments.services.lifecycle import plan_deployment, start_deployment
    from gate.benchmark import _live_authority, _recorded_equitability_report
    from tests.factories import UserFactory
    from tests.watchlists.test_composition import add
    from watchlists.services.composition import create_watchlist
    from watchlists.services.sign_off import sign_off_watchlist

    settings.MEDIA_ROOT = Path(os.environ.get("WA_MEDIA_ROOT") or settings.BASE_DIR / "media")
    _recorded_equitability_report()
    application, people = _live_authority()
    officer = UserFactory(username="wlo-video", roles=[Role.WATCHLIST_OFFICER])
    watchlist = create_watchlist(
        application=application,
        by=officer,
        name="Video integration",
        deployment_start=application.valid_from,
        deployment_end=application.valid_until,
        location=application.locations.first(),
    )
    add(watchlist, officer, "PNC-1")
    sign_off_watchlist(watchlist=watchlist, by=people["superintendent"])
    watchlist.refresh_from_db()
    operator = people["operator"]
    deployment = plan_deployment(
        watchlist=watchlist,
        by=people["silver"],
        operators=[operator],
        engagement_officers=[people["bronze"]],
    )
    deployment = start_deployment(deployment=deployment, by=people["silver"])
    camera, _ = register_camera(deployment=deployment, by=operator, name="Integration camera")
    job = upload(deployment, camera, operator, astronaut_video(tmp_path / "v.avi", 10))
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            break
        time.sleep(1)
    crops = [alert.crop.name for alert in Alert.objects.filter(video_job=job)]
    for name in crops:  # the shared media folder keeps nothing of this test's
        default_storage.delete(name)
    assert (job.status, job.error_code) == ("done", "")
    assert (job.frames_done, job.faces_processed, job.alerts_raised) == (10, 1, 1)
    assert len(crops) == 1 and not stored_videos(deployment)
