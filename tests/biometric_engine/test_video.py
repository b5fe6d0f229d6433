"""Rules for videos: frames read with OpenCV within limits on bytes and duration; empty,
corrupt, foreign and over-limit files refused with a specific error."""

import cv2
import numpy as np
import pytest

from biometric_engine.core import errors
from biometric_engine.core.limits import EngineLimits
from biometric_engine.core.video import probe_video, read_video_frames


def write_video(path, *, frames: int, fps: float = 10.0, size=(64, 48)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    for i in range(frames):
        frame = np.full((size[1], size[0], 3), (i * 8) % 256, dtype=np.uint8)
        frame[:, :, 2] = 200  # red in OpenCV's BGR
        writer.write(frame)
    writer.release()


@pytest.fixture
def three_second_video(tmp_path):
    path = tmp_path / "clip.avi"
    write_video(path, frames=30, fps=10.0)
    return path


def test_frames_are_read_as_rgb_within_limits(three_second_video):
    info = probe_video(three_second_video)
    assert (info.width, info.height) == (64, 48)
    assert info.duration_s == pytest.approx(3.0, abs=0.2)
    frames = list(read_video_frames(three_second_video))
    assert len(frames) == 30
    first = frames[0]
    assert first.rgb.shape == (48, 64, 3) and first.rgb.dtype == np.uint8
    assert first.rgb[0, 0, 0] > 150  # the red channel comes first
    assert frames[10].timestamp_s == pytest.approx(1.0)


def test_every_nth_frame_samples_the_video(three_second_video):
    frames = list(read_video_frames(three_second_video, every_nth_frame=10))
    assert [f.index for f in frames] == [0, 10, 20]


def test_video_over_the_duration_limit_is_refused_when_asked_for(three_second_video):
    with pytest.raises(errors.VideoTooLong) as caught:
        read_video_frames(three_second_video, limits=EngineLimits(max_video_seconds=2.0))
    assert caught.value.code == "video_too_long"


def test_video_over_the_byte_limit_is_refused(three_second_video):
    size = three_second_video.stat().st_size
    with pytest.raises(errors.FileTooLarge):
        probe_video(three_second_video, limits=EngineLimits(max_video_bytes=size - 1))


def test_empty_video_file_is_refused(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(errors.EmptyFile):
        probe_video(path)


def test_random_bytes_are_refused_as_not_a_video_container(tmp_path):
    path = tmp_path / "noise.mp4"
    path.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, np.uint8).tobytes())
    with pytest.raises(errors.UnsupportedVideoFormat):
        probe_video(path)


def test_playlist_text_is_refused_before_ffmpeg_opens_it(tmp_path):
    # An HLS playlist could make FFmpeg fetch other files or URLs.
    path = tmp_path / "clip.mp4"
    path.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(errors.UnsupportedVideoFormat):
        probe_video(path)


def test_container_header_with_damaged_contents_is_refused_as_corrupt(tmp_path, three_second_video):
    data = three_second_video.read_bytes()
    path = tmp_path / "damaged.avi"
    path.write_bytes(data[:12] + bytes(len(data) - 12))  # keep "RIFF....AVI ", zero the rest
    with pytest.raises(errors.CorruptVideo) as caught:
        probe_video(path)
    assert caught.value.code == "corrupt_video"


def test_a_directory_or_device_is_not_read_as_a_video(tmp_path):
    with pytest.raises(errors.CorruptVideo):
        probe_video(tmp_path)


# --- a file cut short: refused, never searched in part ----------------------------------------


def write_noisy_video(path, *, frames: int = 30, fps: float = 10.0) -> None:
    """Frames of noise, so each frame's JPEG is large and a cut file loses whole frames."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    assert writer.isOpened()
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 256, (48, 64, 3), np.uint8))
    writer.release()


def cut_short(path, share: float) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])


def raw_frames_readable(path) -> int:
    capture = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    count = 0
    while capture.grab():
        count += 1
    capture.release()
    return count


@pytest.fixture
def noisy_video(tmp_path):
    path = tmp_path / "camera.avi"
    write_noisy_video(path)
    return path


def test_a_complete_avi_reads_every_declared_frame(noisy_video):
    assert probe_video(noisy_video).frame_count == 30
    assert len(list(read_video_frames(noisy_video))) == 30


def test_a_truncated_avi_is_refused_with_frames_read_of_frames_declared(noisy_video):
    cut_short(noisy_video, 0.2)
    readable = raw_frames_readable(noisy_video)
    assert 0 < readable < 30  # what OpenCV alone would hand out, silently
    assert probe_video(noisy_video).frame_count == 30  # the header still declares them all
    with pytest.raises(errors.VideoTruncated) as caught:
        read_video_frames(noisy_video)  # eagerly: before a single frame is handed out
    assert caught.value.code == "video_truncated"
    assert caught.value.facts == {"frames_read": readable, "frames_declared": 30}
    assert f"Only {readable} of the 30 frames" in caught.value.detail
    assert isinstance(caught.value, errors.CorruptVideo)


def test_a_video_cut_short_after_it_was_counted_fails_at_the_end_not_silently(noisy_video):
    frames = read_video_frames(noisy_video)  # counted whole: 30 readable
    cut_short(noisy_video, 0.2)
    read = []
    with pytest.raises(errors.VideoTruncated) as caught:
        for frame in frames:
            read.append(frame.index)
    assert 0 < len(read) < 30
    assert caught.value.facts == {"frames_read": len(read), "frames_declared": 30}
