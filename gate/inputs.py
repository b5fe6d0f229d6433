"""What a caller of the gate hands it and gets back: decoded images and video frames, the
engine's input errors, its match results, and the length of a template.

The apps above the gate (watchlists, deployments) search and enrol only through it, and so
never import the engine's core (architecture: "deployments search only through the gate",
"enrolment goes through the gate"); the core's input and result types reach them from here.
"""

from biometric_engine.core.embed import EMBEDDING_DIM
from biometric_engine.core.errors import EmptyFile, EngineInputError, FileTooLarge
from biometric_engine.core.images import load_image
from biometric_engine.core.match import Candidate, MatchResult
from biometric_engine.core.video import (
    VideoFrame,
    count_readable_frames,
    probe_video,
    read_video_frames,
)

__all__ = [
    "EMBEDDING_DIM",
    "Candidate",
    "EmptyFile",
    "EngineInputError",
    "FileTooLarge",
    "MatchResult",
    "VideoFrame",
    "count_readable_frames",
    "load_image",
    "probe_video",
    "read_video_frames",
]
