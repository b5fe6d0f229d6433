"""Speed and memory of the engine: detection, embedding, index build and search.

Search is measured on synthetic L2-normalised 512-d vectors, never on real faces, in one or
both of two distributions:

* ``uniform``: directions drawn uniformly on the sphere (isotropic Gaussian, normalised). This
  is the worst case for approximate search: every vector is nearly orthogonal to every other,
  a query's ten nearest neighbours are barely nearer than the next thousand, and no index can
  find them without scanning most of the gallery.
* ``face_like``: a Gaussian with the mean and covariance of real face embeddings, normalised:
  fitted from an embedding cache (``face_stats``, e.g. the evaluation cache of FaceNet vectors
  of LFW) or, without one, from the faces of ``FACE_SAMPLE`` images of ``images_dir`` (one per
  identity first), embedded for the run. Real embeddings use far fewer effective dimensions
  than 512 (FaceNet's vectors of LFW: about 100 components hold all but 0.1 % of the
  variance), and their similarities between different people have the same spread as these
  vectors', so this is the case approximate search is tuned for.

Timings: "single" is the latency of one query per call (a probe face as it arrives), as a
median with mean and 95th percentile beside it; "batch" is the time per query when all queries
go in one call. Face timings are medians too. Memory is the index's payload
(``FaceIndex.memory_bytes``) and the growth of the process's resident memory during the build.
"""

import argparse
import gc
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import cv2
import faiss
import numpy as np

from .backends import FaceBackend, select_backend
from .embed import EMBEDDING_DIM, l2_normalise
from .embedding_cache import EmbeddingCache, embed_image_files
from .identification import list_identity_images
from .images import load_image
from .index import FaceIndex, build_from, suggest_nlist

TARGET_MS = 20.0
TARGET_RECALL = 0.95
DEFAULT_NPROBES = (64, 128, 256, 384, 512, 768, 1024, 2048)
# Faces needed to fit the face-like distribution at all, and how many images to embed for it
# when no embedding cache is given. FaceNet's LFW vectors have about 100 non-negligible
# covariance eigenvalues, so 300 faces (three per effective dimension) give a sound fit: on a
# 10^5 gallery, IVF recall@10 from a fit on 300 LFW faces was within 0.03 of one on all 807
# (and the lower of the two). Embedding them takes about 25 s on two cores.
MIN_FIT_VECTORS = 128
FACE_SAMPLE = 300
NO_IMAGES_LINE = "no face images: detection/embedding timings need --images DIR"


def _ms_per_call(function: Callable[[], object], repeats: int) -> float:
    """Median milliseconds per call: the machine is shared, and the median shrugs off the
    calls that another process's work happened to slow down."""
    function()  # warm-up: nets load and caches fill on the first call
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000.0 * float(np.median(times))


def resident_bytes() -> int | None:
    """Resident memory of this process (Linux /proc), or None elsewhere."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE")


def street_frame(faces: Sequence[np.ndarray], size: tuple[int, int] = (1280, 720)) -> np.ndarray:
    """A grey 1280x720 frame with the given face images pasted side by side (a busy scene)."""
    width, height = size
    frame = np.full((height, width, 3), 110, dtype=np.uint8)
    x = 40
    for face in faces:
        h, w = face.shape[:2]
        if x + w > width:
            break
        y = (height - h) // 2
        frame[y : y + h, x : x + w] = face
        x += w + 40
    return frame


def bench_faces(
    backend: FaceBackend, images: Sequence[np.ndarray], *, repeats: int = 20
) -> dict[str, float | int]:
    """Detection ms per 250x250 image and per 1280x720 frame, and embedding ms per face."""
    small = images[0]
    frame = street_frame(images[:4])
    faces = backend.detect(small)
    if not faces:
        raise ValueError("the first benchmark image holds no face")
    return {
        "detect_ms_250x250": _ms_per_call(lambda: backend.detect(small), repeats),
        "detect_ms_1280x720": _ms_per_call(lambda: backend.detect(frame), max(3, repeats // 4)),
        "faces_in_1280x720_frame": len(backend.detect(frame)),
        "embed_ms_per_face": _ms_per_call(lambda: backend.embed(small, faces[0]), repeats),
    }


def fit_face_like(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and a transform T such that ``mean + z @ T`` (z standard normal) has the
    vectors' mean and covariance."""
    vectors = np.asarray(vectors, dtype=np.float64)
    mean = vectors.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(vectors, rowvar=False))
    keep = eigenvalues > eigenvalues.max() * 1e-9
    transform = (eigenvectors[:, keep] * np.sqrt(eigenvalues[keep])).T
    return mean, transform


def synthetic_vectors(
    n: int,
    rng: np.random.Generator,
    *,
    dim: int = EMBEDDING_DIM,
    face_like: tuple[np.ndarray, np.ndarray] | None = None,
    chunk: int = 100_000,
) -> np.ndarray:
    """``n`` unit vectors: uniform directions, or face-like with ``fit_face_like``'s output."""
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        if face_like is None:
            block = rng.standard_normal((m, dim), dtype=np.float32)
        else:
            mean, transform = face_like
            z = rng.standard_normal((m, transform.shape[0]), dtype=np.float32)
            block = mean.astype(np.float32) + z @ transform.astype(np.float32)
        out[start : start + m] = l2_normalise(block)
    return out


def recall_at_k(approximate_ids: np.ndarray, exact_ids: np.ndarray) -> float:
    """Mean share of each query's exact top-k that the approximate top-k also returns."""
    k = exact_ids.shape[1]
    found = [len(set(a) & set(e)) / k for a, e in zip(approximate_ids, exact_ids, strict=True)]
    return float(np.mean(found))


def _timed_build(
    vectors: np.ndarray, ids: np.ndarray, **options: object
) -> tuple[FaceIndex, float, int | None]:
    gc.collect()
    before = resident_bytes()
    start = time.perf_counter()
    index = build_from(vectors, ids, **options)
    seconds = time.perf_counter() - start
    after = resident_bytes()
    return index, seconds, (after - before) if before is not None and after is not None else None


def _search_timings(index: FaceIndex, queries: np.ndarray, k: int, singles: int) -> dict:
    """Per-query latency one query per call (median, mean, 95th percentile) and the time per
    query when they all go in one call."""
    index.search_arrays(queries[:1], k)  # warm-up
    start = time.perf_counter()
    index.search_arrays(queries, k)
    batch_ms = 1000.0 * (time.perf_counter() - start) / len(queries)
    times = []
    for row in range(singles):
        start = time.perf_counter()
        index.search_arrays(queries[row : row + 1], k)
        times.append(1000.0 * (time.perf_counter() - start))
    return {
        "single_ms_per_query": float(np.median(times)),
        "single_ms_mean": float(np.mean(times)),
        "single_ms_p95": float(np.percentile(times, 95)),
        "batch_ms_per_query": batch_ms,
    }


def bench_watchlist(size: int, queries: int, rng: np.random.Generator, *, k: int = 10) -> dict:
    """Exact search over a watchlist of ``size`` uniform synthetic vectors."""
    vectors = synthetic_vectors(size, rng)
    probes = synthetic_vectors(queries, rng)
    index, seconds, grown = _timed_build(vectors, np.arange(size), kind="exact")
    return {
        "entries": size,
        "kind": "exact (IndexIDMap2 + IndexFlatIP)",
        "build_s": seconds,
        "memory_bytes": index.memory_bytes(),
        "rss_growth_bytes": grown,
        "queries": queries,
        **_search_timings(index, probes, k, queries),
    }


def bench_gallery(
    size: int,
    queries: int,
    rng: np.random.Generator,
    *,
    face_like: tuple[np.ndarray, np.ndarray] | None = None,
    nlist: int | None = None,
    nprobes: Sequence[int] = DEFAULT_NPROBES,
    exact_singles: int = 30,
    k: int = 10,
) -> dict:
    """Exact and IVF search over a gallery of ``size`` synthetic vectors; recall@k of IVF
    against exact for each ``nprobe``, and the smallest ``nprobe`` meeting the target."""
    vectors = synthetic_vectors(size, rng, face_like=face_like)
    probes = synthetic_vectors(queries, rng, face_like=face_like)
    ids = np.arange(size, dtype=np.int64)

    exact, exact_s, exact_grown = _timed_build(vectors, ids, kind="exact")
    _, truth = exact.search_arrays(probes, k)
    result: dict = {
        "entries": size,
        "distribution": "face_like" if face_like is not None else "uniform",
        "queries": queries,
        "exact": {
            "build_s": exact_s,
            "memory_bytes": exact.memory_bytes(),
            "rss_growth_bytes": exact_grown,
            **_search_timings(exact, probes, k, exact_singles),
        },
    }
    result["exact"]["single_query_sample"] = exact_singles
    del exact
    gc.collect()

    lists = nlist or suggest_nlist(size)
    ivf, ivf_s, ivf_grown = _timed_build(vectors, ids, kind="ivf", nlist=lists)
    del vectors
    sweep = []
    for nprobe in sorted(p for p in nprobes if p <= lists):
        ivf.nprobe = nprobe
        _, found = ivf.search_arrays(probes, k)
        sweep.append(
            {
                "nprobe": nprobe,
                f"recall_at_{k}": recall_at_k(found, truth),
                **_search_timings(ivf, probes, k, queries),
            }
        )
    meeting = [
        row
        for row in sweep
        if row[f"recall_at_{k}"] >= TARGET_RECALL and row["single_ms_per_query"] < TARGET_MS
    ]
    result["ivf"] = {
        "kind": "IndexIVFFlat (inner product)",
        "nlist": lists,
        "build_s": ivf_s,
        "memory_bytes": ivf.memory_bytes(),
        "rss_growth_bytes": ivf_grown,
        "sweep": sweep,
        "target": f"recall@{k} >= {TARGET_RECALL} and < {TARGET_MS:g} ms per single query",
        "chosen": meeting[0] if meeting else None,
        "target_met": bool(meeting),
    }
    return result


def _benchmark_images(images_dir: Path, count: int = 4) -> list[np.ndarray]:
    return [load_image(images_dir / key) for key in sample_image_keys(images_dir, count)]


def sample_image_keys(images_dir: str | os.PathLike[str], count: int) -> list[str]:
    """Up to ``count`` image keys of a ``Name/*.jpg`` folder, spread over identities: each
    person's first image (in name order), then each one's second, and so on."""
    people = list(list_identity_images(images_dir).values())
    keys: list[str] = []
    for position in range(max((len(k) for k in people), default=0)):
        for person in people:
            if position < len(person):
                keys.append(person[position])
                if len(keys) == count:
                    return keys
    return keys


def _face_stats(path: Path) -> np.ndarray:
    """The face vectors of an ``EmbeddingCache`` file, enough of them to fit."""
    with np.load(path, allow_pickle=False) as data:
        vectors = data["vectors"][data["found"]]
    if vectors.shape[0] < MIN_FIT_VECTORS:
        raise ValueError(f"{path} holds too few face vectors to fit a distribution")
    return vectors


def face_vectors_from_images(
    backend: FaceBackend, images_dir: str | os.PathLike[str], count: int = FACE_SAMPLE
) -> tuple[np.ndarray, int]:
    """Embeddings of the chosen face of ``count`` images (``sample_image_keys``), kept in
    memory only; returns the vectors found and the number of images read."""
    keys = sample_image_keys(images_dir, count)
    found = embed_image_files(
        keys, images_dir, backend=backend, cache=EmbeddingCache(backend.model_version)
    )
    vectors = [vector for vector in found.values() if vector is not None]
    stacked = np.stack(vectors) if vectors else np.empty((0, EMBEDDING_DIM), np.float32)
    return stacked, len(keys)


def face_like_source(
    backend: FaceBackend,
    *,
    face_stats: str | os.PathLike[str] | None = None,
    images_dir: str | os.PathLike[str] | None = None,
    face_sample: int = FACE_SAMPLE,
) -> tuple[tuple[np.ndarray, np.ndarray] | None, dict]:
    """The fitted face-like distribution and where it came from: the ``face_stats`` cache when
    given, else the faces of ``face_sample`` images of ``images_dir``; ``(None, why)`` when
    neither is given or the images hold too few faces."""
    if face_stats is not None:
        path = Path(face_stats)
        vectors = _face_stats(path)
        return fit_face_like(vectors), {
            "source": "face_stats",
            "path": str(path),
            "vectors": int(vectors.shape[0]),
            "description": f"{vectors.shape[0]} face vectors in {path.name} (--face-stats)",
        }
    if images_dir is None:
        return None, {
            "source": None,
            "description": "no face-like gallery: fitting it needs --face-stats NPZ or "
            "--images DIR",
        }
    folder = Path(images_dir)
    start = time.perf_counter()
    vectors, read = face_vectors_from_images(backend, folder, face_sample)
    seconds = time.perf_counter() - start
    info = {
        "source": "images",
        "path": str(folder),
        "images": read,
        "vectors": int(vectors.shape[0]),
        "embed_s": seconds,
    }
    if vectors.shape[0] < MIN_FIT_VECTORS:
        info["description"] = (
            f"no face-like gallery: {vectors.shape[0]} faces found in {read} images of "
            f"{folder.name}, fitting needs at least {MIN_FIT_VECTORS}"
        )
        return None, info
    info["description"] = (
        f"{vectors.shape[0]} faces embedded from {read} images of {folder.name} "
        f"(one per identity first) in {seconds:.0f} s"
    )
    return fit_face_like(vectors), info


def run_benchmark(
    *,
    images_dir: str | os.PathLike[str] | None = None,
    face_stats: str | os.PathLike[str] | None = None,
    backend: FaceBackend | None = None,
    watchlist_size: int = 10_000,
    gallery_size: int = 1_000_000,
    queries: int = 200,
    nlist: int | None = None,
    nprobes: Sequence[int] = DEFAULT_NPROBES,
    distributions: Sequence[str] = ("uniform", "face_like"),
    face_sample: int = FACE_SAMPLE,
    seed: int = 0,
) -> dict:
    """Run every measurement that its inputs allow and return them as a JSON-ready dict.

    Face timings need ``images_dir`` (a ``Name/*.jpg`` folder). The face-like gallery is
    fitted from ``face_stats`` (an ``EmbeddingCache`` .npz of real face vectors) or, without
    it, from ``face_sample`` images of ``images_dir``; ``face_like_fit`` says which (with
    ``source`` None, and no face-like gallery, when there was neither).
    """
    unknown = set(distributions) - {"uniform", "face_like"}
    if unknown:
        raise ValueError(f"unknown distribution {sorted(unknown)[0]!r}")
    rng = np.random.default_rng(seed)
    backend = backend or select_backend()
    result: dict = {
        "model": backend.model_version,
        "cpu_threads": faiss.omp_get_max_threads(),
        "opencv_threads": cv2.getNumThreads(),
        "faiss": faiss.__version__,
        "vectors": "synthetic L2-normalised 512-d; see distributions",
    }
    if images_dir is not None:
        result["faces"] = bench_faces(backend, _benchmark_images(Path(images_dir)))
        result["faces"]["images"] = str(images_dir)
    fitted = None
    if "face_like" in distributions:
        fitted, result["face_like_fit"] = face_like_source(
            backend, face_stats=face_stats, images_dir=images_dir, face_sample=face_sample
        )
    result["watchlist"] = bench_watchlist(watchlist_size, queries, rng)
    galleries = {}
    for distribution in distributions:
        if distribution == "face_like":
            if fitted is None:
                continue
            galleries["face_like"] = bench_gallery(
                gallery_size, queries, rng, face_like=fitted, nlist=nlist, nprobes=nprobes
            )
            galleries["face_like"]["fitted_from"] = result["face_like_fit"]["description"]
        else:
            galleries["uniform"] = bench_gallery(
                gallery_size, queries, rng, nlist=nlist, nprobes=nprobes
            )
        gc.collect()
    result["gallery"] = galleries
    return result


def summary_lines(result: dict, *, images_line: str | None = None) -> list[str]:
    """The measurements as printed lines (``images_line`` names where the faces came from)."""
    lines = [f"model {result['model']}, {result['cpu_threads']} FAISS threads"]
    if "faces" in result:
        f = result["faces"]
        if images_line:
            lines.append(f"  {images_line}")
        lines.append(
            f"  detect {f['detect_ms_250x250']:.1f} ms per 250x250 image, "
            f"{f['detect_ms_1280x720']:.1f} ms per 1280x720 frame "
            f"({f['faces_in_1280x720_frame']} faces); embed {f['embed_ms_per_face']:.1f} ms/face"
        )
    else:
        lines.append(f"  {NO_IMAGES_LINE}")
    if "face_like_fit" in result:
        lines.append(f"  face-like vectors: {result['face_like_fit']['description']}")
    w = result["watchlist"]
    lines.append(
        f"  watchlist {w['entries']:,} exact: {w['single_ms_per_query']:.2f} ms/query "
        f"(p95 {w['single_ms_p95']:.2f}), build {w['build_s']:.2f} s, "
        f"{w['memory_bytes'] / 2**20:.0f} MiB"
    )
    for name, g in result["gallery"].items():
        e, ivf = g["exact"], g["ivf"]
        lines.append(
            f"  gallery {g['entries']:,} {name}: exact {e['single_ms_per_query']:.1f} ms/query "
            f"({e['batch_ms_per_query']:.1f} batched), built in {e['build_s']:.1f} s, "
            f"{e['memory_bytes'] / 2**20:.0f} MiB"
        )
        lines.append(
            f"    IVF nlist {ivf['nlist']}: built in {ivf['build_s']:.1f} s, "
            f"{ivf['memory_bytes'] / 2**20:.0f} MiB"
        )
        for row in ivf["sweep"]:
            lines.append(
                f"    nprobe {row['nprobe']:5d}: recall@10 {row['recall_at_10']:.3f}, "
                f"{row['single_ms_per_query']:.2f} ms/query "
                f"({row['batch_ms_per_query']:.2f} batched)"
            )
        chosen = ivf["chosen"]
        lines.append(
            f"    target (recall@10 >= {TARGET_RECALL}, < {TARGET_MS:g} ms/query) "
            + (
                f"met with nprobe {chosen['nprobe']}: recall@10 {chosen['recall_at_10']:.3f}, "
                f"{chosen['single_ms_per_query']:.2f} ms/query"
                if chosen
                else "not met"
            )
        )
    return lines


def _summary(result: dict) -> str:
    return "\n".join(summary_lines(result))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m biometric_engine.core.bench", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--json", help="write the measurements here as JSON")
    parser.add_argument("--images", help="Name/*.jpg folder for detection and embedding timings")
    parser.add_argument(
        "--face-stats",
        help="embedding cache .npz to fit the face-like vectors (default: embed --images)",
    )
    parser.add_argument(
        "--face-sample",
        type=int,
        default=FACE_SAMPLE,
        help="images of --images embedded to fit the face-like vectors without --face-stats",
    )
    parser.add_argument("--watchlist-size", type=int, default=10_000)
    parser.add_argument("--gallery-size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--nlist", type=int)
    parser.add_argument("--nprobe", default=",".join(map(str, DEFAULT_NPROBES)))
    parser.add_argument("--distributions", default="uniform,face_like")
    parser.add_argument("--model-pack", help="insightface model pack directory (default: OpenCV)")
    args = parser.parse_args(argv)

    result = run_benchmark(
        images_dir=args.images,
        face_stats=args.face_stats,
        backend=select_backend(args.model_pack),
        watchlist_size=args.watchlist_size,
        gallery_size=args.gallery_size,
        queries=args.queries,
        nlist=args.nlist,
        nprobes=[int(p) for p in args.nprobe.split(",") if p.strip()],
        distributions=[d.strip() for d in args.distributions.split(",") if d.strip()],
        face_sample=args.face_sample,
    )
    print(_summary(result))
    if args.json:
        target = Path(args.json)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
