"""The deployment benchmark's video: 720p at 25 fps, one to five faces a frame, other people
each second (so a second's faces are new tracks, not the last second's continued)."""

from deployments.benchmark import FPS, HEIGHT, WIDTH, benchmark_frames


def test_the_benchmark_video_has_one_to_five_faces_a_frame_changing_every_second():
    frames = list(benchmark_frames(FPS * 5 + 1))
    assert frames[0].shape == (HEIGHT, WIDTH, 3)
    grey = frames[0][0, 0].copy()

    def faces_in(frame):  # runs of columns that differ from the background
        columns = (frame != grey).any(axis=(0, 2))
        runs = 0
        previous = False
        for filled in columns:
            runs += bool(filled and not previous)
            previous = bool(filled)
        return runs

    assert [faces_in(frames[FPS * s]) for s in range(5)] == [1, 2, 3, 4, 5]
