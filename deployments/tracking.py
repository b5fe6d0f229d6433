"""Faces, not frames: a face followed in one camera's view as a short-lived track.

A person walking past a camera is in dozens of frames. Each camera keeps, in Django's cache
(Redis in production, so every worker sees the same tracks; locmem in tests), the boxes of the
faces it saw lately. A box in the next frame that overlaps a track's last box (IoU at least
``WA_TRACK_MIN_IOU``) continues it; a track unseen for ``WA_TRACK_EXPIRY_SECONDS`` ends. A
track is counted once ("faces processed" counts people seen, as forces publish it) and raises
at most one alert per watchlist entry.

Searched once with its best view: a face is embedded and searched when its track begins (an
alert cannot wait for the person to leave), and afterwards only when a view of it at least
``WA_TRACK_RESEARCH_QUALITY_GAIN`` better on the engine's quality score arrives (closer,
sharper, more frontal). So the view searched last is always the track's best so far, a face
standing in view for 30 frames is embedded once, and the frames in between cost detection only.

What a track holds: an id local to the camera, the last box, when it was last seen, the
quality of its best view searched, and the enrolled-face ids it has alerted on. Never a vector,
never pixels; never in the database; keyed
by one camera, so a track is never linked across cameras or deployments; and the whole entry
expires from the cache when the camera sees no one for the expiry period.

The race: a camera's state is read, changed and written back (not atomically). Two workers
processing two frames of one camera at once would each start from the same state and the later
write would win: a face might be counted twice, or alert twice (an operator adjudicates each
alert, so over-alerting is the safe side). ``camera_lock`` serialises a camera's frames with
the cache's atomic ``add`` (Redis SET NX); a frame that finds the lock held is refused rather
than processed on a stale state.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.cache import cache

from deployments.errors import CameraBusy
from deployments.rules import track_expiry_seconds, track_min_iou, track_research_quality_gain

Box = tuple[int, int, int, int]  # x, y, width, height in pixels

# Long enough for the slowest frame (detection, embedding, the gate's checks); a crashed
# worker's lock frees itself after it.
LOCK_SECONDS = 30


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two (x, y, width, height) boxes."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    id: int
    box: Box
    last_seen: float  # POSIX seconds
    alerted: set[int] = field(default_factory=set)  # enrolled-face ids already alerted on
    best_quality: float | None = None  # of the best view searched; None until first searched


@dataclass
class Observation:
    """One frame's faces matched to tracks: ``tracks[i]`` is probe face i's track."""

    tracks: list[Track]
    new_tracks: int

    def choose_views(self, qualities: Sequence[float]) -> list[int]:
        """The faces worth searching (by index): each face whose track has not been searched,
        or whose view now is better than its best searched by the configured gain. Their
        tracks take the new view as their best, so the caller keeps this observation only if
        the search is committed."""
        gain = track_research_quality_gain()
        chosen = []
        for i, (track, quality) in enumerate(zip(self.tracks, qualities, strict=True)):
            if track.best_quality is None or quality >= track.best_quality + gain:
                track.best_quality = float(quality)
                chosen.append(i)
        return chosen


@dataclass
class CameraTracks:
    next_id: int = 1
    tracks: list[Track] = field(default_factory=list)

    def observe(self, boxes: Sequence[Box], now: float) -> Observation:
        """Expire tracks unseen for too long, then match each box to the best-overlapping live
        track (greedy, highest IoU first, one box per track); an unmatched box starts a track."""
        expiry = track_expiry_seconds()
        self.tracks = [t for t in self.tracks if now - t.last_seen <= expiry]
        minimum = track_min_iou()
        pairs = sorted(
            (
                (iou(box, track.box), i, j)
                for i, box in enumerate(boxes)
                for j, track in enumerate(self.tracks)
            ),
            reverse=True,
        )
        chosen: dict[int, Track] = {}
        taken: set[int] = set()
        for overlap, i, j in pairs:
            if overlap < minimum:
                break
            if i in chosen or j in taken:
                continue
            chosen[i] = self.tracks[j]
            taken.add(j)
        new = 0
        for i in range(len(boxes)):
            if i not in chosen:
                chosen[i] = Track(id=self.next_id, box=tuple(boxes[i]), last_seen=now)
                self.next_id += 1
                self.tracks.append(chosen[i])
                new += 1
        for i, box in enumerate(boxes):
            chosen[i].box = tuple(int(v) for v in box)
            chosen[i].last_seen = now
        return Observation(tracks=[chosen[i] for i in range(len(boxes))], new_tracks=new)

    def as_data(self) -> dict:
        return {
            "next_id": self.next_id,
            "tracks": [
                [t.id, list(t.box), t.last_seen, sorted(t.alerted), t.best_quality]
                for t in self.tracks
            ],
        }

    @classmethod
    def from_data(cls, data: dict | None) -> CameraTracks:
        if not data:
            return cls()
        return cls(
            next_id=data["next_id"],
            tracks=[
                # A track saved before best views were kept has none: its next view is searched.
                Track(i, tuple(box), seen, set(alerted), best[0] if best else None)
                for i, box, seen, alerted, *best in data["tracks"]
            ],
        )


def _key(camera_id: int) -> str:
    return f"deployments:tracks:{camera_id}"


def load_tracks(camera_id: int) -> CameraTracks:
    return CameraTracks.from_data(cache.get(_key(camera_id)))


def save_tracks(camera_id: int, tracks: CameraTracks) -> None:
    # The entry lives only as long as its newest track could: a camera that sees no one for
    # the expiry period forgets everything.
    cache.set(_key(camera_id), tracks.as_data(), timeout=max(1, int(track_expiry_seconds()) + 1))


def forget_tracks(camera_ids: Sequence[int]) -> None:
    """A deployment that ends keeps no track, however recent."""
    cache.delete_many([_key(pk) for pk in camera_ids])


@contextmanager
def camera_lock(camera_id: int) -> Iterator[None]:
    """One frame of a camera at a time, across workers (the cache's atomic add)."""
    key = f"deployments:camera-lock:{camera_id}"
    token = uuid.uuid4().hex
    if not cache.add(key, token, timeout=LOCK_SECONDS):
        raise CameraBusy("This camera's previous frame is still being processed: send the next.")
    try:
        yield
    finally:
        # Not atomic (get then delete): a frame slower than LOCK_SECONDS could free a lock
        # another worker took since; the sequence check still refuses any earlier frame.
        if cache.get(key) == token:
            cache.delete(key)
