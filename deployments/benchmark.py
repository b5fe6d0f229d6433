"""A recorded deployment video, measured end to end in a throwaway database.

``run_deployment_benchmark`` builds the demo's story through the real services (demo accounts,
Operation Osprey's live authority and signed-off watchlist, ``watchlists.demo``), plans and
starts its deployment, registers a camera, then generates a 1280x720 video at 25 fps with one
to five faces in each frame (the package sample faces: the six of insightface's group photo,
scikit-image's astronaut, insightface's Tom Hanks; each drifting a few pixels a frame, the
number in view changing every second) and times the real path with the real model:
``upload_video`` (the whole file checked, stored, the job created) and ``run_video_job`` (every
frame through the gate: admitted, re-checked, ledgered, detected, tracked; a new track's face
or a better view embedded and searched; alerts and their crops written in the gate's
transaction; chunks committed).

Figures: seconds of video processed per second of wall time (one worker process), faces per
second (detections, those embedded and searched, and people counted), the latency from a
frame's arrival (decoded,
handed to the frame path) to its alerts being committed and visible to an operator's page, p50
and p95, over the frames that alerted and over all frames (an alert is committed at the end of
its frame's search, so a frame's latency is what an alert in it would wait), and how many such
cameras one worker keeps up with (``--sample-fps`` searches about that many frames a second,
``WA_VIDEO_SAMPLE_FPS``). The database and the media
folder are created for the run and removed after it.
"""

from __future__ import annotations

import io
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
from django.conf import settings
from django.db import connections
from django.test.utils import override_settings
from PIL import Image

FPS = 25
WIDTH, HEIGHT = 1280, 720
FACE_SIDE = 200


def _faces() -> list[np.ndarray]:
    from watchlists.demo import group_crops, sample_images

    paths = sample_images()
    images = [
        Image.open(io.BytesIO(c)).convert("RGB") for c in group_crops(paths["t1"].read_bytes())
    ]
    images += [Image.open(paths[name]).convert("RGB") for name in ("astronaut", "tom_hanks")]
    return [np.asarray(image.resize((FACE_SIDE, FACE_SIDE))) for image in images]


def benchmark_frames(count: int) -> Iterator[np.ndarray]:
    """``count`` 720p RGB frames, 1 to 5 faces each (the number changing every second)."""
    faces = _faces()
    slots = 5
    gap = (WIDTH - slots * FACE_SIDE) // (slots + 1)
    for n in range(count):
        second = n // FPS
        in_view = 1 + second % slots
        frame = np.full((HEIGHT, WIDTH, 3), 96, np.uint8)
        for slot in range(in_view):
            face = faces[(second + slot) % len(faces)]
            x = gap + slot * (FACE_SIDE + gap) + (n % FPS)  # drifting a pixel a frame
            # Each second brings other people, in the other half of the view (new tracks).
            y = (60 if second % 2 == 0 else 440) + 20 * (slot % 2)
            frame[y : y + FACE_SIDE, x : x + FACE_SIDE] = face
        yield frame


def write_benchmark_video(path: str, count: int) -> None:
    import cv2

    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), FPS, (WIDTH, HEIGHT))
    for rgb in benchmark_frames(count):
        writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    writer.release()


def _percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50_ms": None, "p95_ms": None, "n": 0}
    data = np.asarray(values) * 1000.0
    return {
        "p50_ms": float(np.percentile(data, 50)),
        "p95_ms": float(np.percentile(data, 95)),
        "n": len(values),
    }


def measure_video(*, frames: int, say=lambda line: None) -> dict:
    """In the current (throwaway) database: the demo's deployment, then the timed video."""
    from authority.demo import seed_demo_accounts
    from biometric_engine.engine import lfr_min_face_px
    from deployments.models import Deployment
    from deployments.services.cameras import register_camera
    from deployments.services.lifecycle import plan_deployment, start_deployment
    from deployments.services.video import VideoHooks, run_video_job, upload_video
    from watchlists import demo as watchlist_demo
    from watchlists.models import Watchlist

    say("Composing the demo watchlist (Operation Osprey) through the real services...")
    users = {u.username: u for u in seed_demo_accounts(password="benchmark-only-password")}
    watchlist_demo.seed(users=users, stdout=io.StringIO())
    watchlist = Watchlist.objects.get(name=watchlist_demo.WATCHLIST)
    deployment = plan_deployment(
        watchlist=watchlist,
        by=users["silver"],
        operators=[users["operator"]],
        engagement_officers=[users["engagement"]],
    )
    deployment = start_deployment(deployment=deployment, by=users["silver"])
    camera, _ = register_camera(deployment=deployment, by=users["silver"], name="Benchmark")

    say(f"Writing a {frames}-frame {WIDTH}x{HEIGHT} video at {FPS} fps...")
    handle, path = tempfile.mkstemp(prefix="wa-deployment-benchmark-", suffix=".avi")
    os.close(handle)
    try:
        write_benchmark_video(path, frames)
        data = Path(path).read_bytes()
    finally:
        os.unlink(path)

    started = time.perf_counter()
    # Not enqueued on commit (eager without a broker, it would run inside the upload): the run
    # below is timed on its own.
    with mock.patch("deployments.services.video.enqueue_video_job"):
        job = upload_video(deployment=deployment, camera=camera, by=users["operator"], data=data)
    upload_s = time.perf_counter() - started

    arrived: dict[int, float] = {}
    frame_latency: list[float] = []
    alert_latency: list[float] = []
    detections = searched = 0

    def frame_read(frame):
        arrived[frame.index] = time.perf_counter()

    def frame_done(frame, outcome):
        nonlocal detections, searched
        latency = time.perf_counter() - arrived.pop(frame.index)
        frame_latency.append(latency)
        detections += outcome.faces_in_frame
        searched += outcome.faces_searched
        if outcome.alert_ids:
            alert_latency.extend([latency] * len(outcome.alert_ids))

    say("Processing it through the deployment's frame path...")
    started = time.perf_counter()
    job = run_video_job(job.pk, hooks=VideoHooks(frame_read=frame_read, frame_done=frame_done))
    wall = time.perf_counter() - started
    deployment = Deployment.objects.get(pk=deployment.pk)
    video_s = job.frame_count / FPS
    realtime = video_s / wall if wall else 0.0
    return {
        "frames": job.frame_count,
        "resolution": f"{WIDTH}x{HEIGHT}",
        "fps": FPS,
        "video_seconds": video_s,
        "status": job.status,
        "error_code": job.error_code,
        "upload_seconds": upload_s,
        "wall_seconds": wall,
        "video_seconds_per_wall_second": realtime,
        "frames_per_second": deployment.frames_processed / wall if wall else 0.0,
        "frames_searched": deployment.frames_processed,
        "sample_fps": settings.WA_VIDEO_SAMPLE_FPS,
        "detections": detections,
        "detections_per_second": detections / wall if wall else 0.0,
        "faces_searched": searched,
        "min_face_px": lfr_min_face_px(),
        "faces_processed": job.faces_processed,
        "faces_processed_per_second": job.faces_processed / wall if wall else 0.0,
        "alerts": job.alerts_raised,
        "alert_latency": _percentiles(alert_latency),
        "frame_latency": _percentiles(frame_latency),
        "cameras": realtime,
        "watchlist_entries": watchlist.entries.count(),
        "deployment_frames_processed": deployment.frames_processed,
    }


def run_deployment_benchmark(
    *, frames: int = 250, sample_fps: float = 0.0, say=lambda line: None
) -> dict:
    """``measure_video`` in a throwaway database and media folder."""
    from gate.benchmark import throwaway_database
    from oversight.dbroles import as_owner

    vendor = connections["default"].vendor
    media = tempfile.mkdtemp(prefix="wa-deployment-benchmark-media-")
    try:
        with (
            as_owner(),
            throwaway_database(),
            # The demo's equitability rule (config/settings/local.py), whatever is configured.
            override_settings(
                MEDIA_ROOT=media, WA_EQUITY_FPIR_TOLERANCE=0.03, WA_VIDEO_SAMPLE_FPS=sample_fps
            ),
        ):
            result = measure_video(frames=frames, say=say)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    result["database"] = f"throwaway {vendor} database (removed after the run)"
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    return result


def _ms(value) -> str:
    return "n/a" if value is None else f"{value:,.0f} ms"


def summary_lines(result: dict) -> Iterator[str]:
    yield (
        f"{result['frames']} frames of {result['resolution']} at {result['fps']} fps "
        f"({result['video_seconds']:.1f} s of video), 1-5 faces a frame, against a "
        f"{result['watchlist_entries']}-entry watchlist ({result['database']}); "
        f"job {result['status']}" + (f" ({result['error_code']})" if result["error_code"] else "")
    )
    yield f"upload (whole-file check + store): {result['upload_seconds']:.2f} s"
    yield (
        f"processing: {result['wall_seconds']:.1f} s wall, "
        f"{result['video_seconds_per_wall_second']:.3f} s of video per second "
        f"({result['frames_searched']} frames searched, {result['frames_per_second']:.2f}/s; "
        + (
            f"sampled at {result['sample_fps']:g} fps"
            if result["sample_fps"]
            else "every frame searched"
        )
        + ")"
    )
    yield (
        f"faces: {result['detections_per_second']:.2f} detections/s "
        f"({result['detections']:,}, faces of {result['min_face_px']} px and up), "
        f"{result['faces_searched']:,} embedded and searched (a new track's face or a better "
        f"view); {result['faces_processed']} people counted "
        f"({result['faces_processed_per_second']:.2f}/s); {result['alerts']} alerts"
    )
    alert, frame = result["alert_latency"], result["frame_latency"]
    yield (
        f"frame-in to alert visible: p50 {_ms(alert['p50_ms'])}, p95 {_ms(alert['p95_ms'])} "
        f"over {alert['n']} alerts; every frame: p50 {_ms(frame['p50_ms'])}, "
        f"p95 {_ms(frame['p95_ms'])}"
    )
    yield (
        f"one worker process on {result['machine']['cpus']} CPUs keeps up with "
        f"{result['cameras']:.2f} such cameras"
    )
