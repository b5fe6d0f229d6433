"""FAISS index over face vectors, keyed by the caller's int64 ids (database row ids).

The database is the source of truth: an index can always be rebuilt from it with
``build_from``, and is otherwise updated with ``add`` and ``remove_ids``. Scores are inner
products of L2-normalised vectors, i.e. cosine similarities.

* ``exact``: ``IndexFlatIP`` inside ``IndexIDMap2``; every search compares with every entry.
  Used for watchlists (up to ``APPROXIMATE_ABOVE`` entries) — there a missed candidate would be
  a missed alert, and exact search over 10^4 to 10^5 vectors costs milliseconds.
* ``ivf``: ``IndexIVFFlat`` (inner product) for galleries above that size: k-means splits the
  vectors into ``nlist`` lists and a search scans the ``nprobe`` lists nearest the query. It is
  approximate: ``nprobe`` trades speed for recall (see ``bench``).
"""

import math
from typing import Literal

import faiss
import numpy as np

IndexKind = Literal["exact", "ivf"]

APPROXIMATE_ABOVE = 100_000
# k-means needs at least ~39 points per list; more per list than this adds training time only.
TRAINING_POINTS_PER_LIST = 64

Hit = tuple[int, float]


def suggest_nlist(n: int, *, per_sqrt: float = 4.0) -> int:
    """Lists for an IVF index of ``n`` vectors: ``per_sqrt`` x √n, with ≥ 39 vectors per list."""
    return max(1, min(round(per_sqrt * math.sqrt(n)), n // 39))


def suggest_nprobe(nlist: int) -> int:
    """A starting ``nprobe``: an eighth of the lists (at least 1).

    Measured by ``bench`` on 10^6 face-like vectors with nlist = 4000: nprobe 512 gave
    recall@10 of about 0.96 within 20 ms per query. Re-measure for other sizes.
    """
    return max(1, nlist // 8)


def _as_vectors(vectors: np.ndarray, dim: int | None = None) -> np.ndarray:
    array = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise ValueError(f"expected vectors of shape (n, dim), got {array.shape}")
    if dim is not None and array.shape[1] != dim:
        raise ValueError(f"expected {dim}-d vectors, got {array.shape[1]}-d")
    if not np.isfinite(array).all():
        raise ValueError("vectors contain NaN or infinity")
    return array


def _as_ids(ids: np.ndarray | list[int], count: int) -> np.ndarray:
    array = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
    if array.shape[0] != count:
        raise ValueError(f"{count} vectors but {array.shape[0]} ids")
    if np.unique(array).shape[0] != count:
        raise ValueError("ids must be unique: one vector per database row")
    if (array < 0).any():
        raise ValueError("ids must be non-negative (FAISS uses -1 for 'no result')")
    return array


class FaceIndex:
    """A FAISS index with the operations the engine needs and nothing else."""

    def __init__(self, index: faiss.Index, kind: IndexKind) -> None:
        self._index = index
        self.kind: IndexKind = kind

    @classmethod
    def exact(cls, dim: int) -> "FaceIndex":
        return cls(faiss.IndexIDMap2(faiss.IndexFlatIP(dim)), "exact")

    @classmethod
    def ivf(cls, dim: int, nlist: int, *, nprobe: int | None = None) -> "FaceIndex":
        """An empty, untrained IVF index; ``train`` it before ``add`` (``build_from`` does)."""
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.nprobe = nprobe or suggest_nprobe(nlist)
        made = cls(index, "ivf")
        made._quantizer = quantizer  # keep the Python wrapper alive as long as the index
        return made

    @property
    def dim(self) -> int:
        return self._index.d

    def __len__(self) -> int:
        return self._index.ntotal

    @property
    def nlist(self) -> int | None:
        return self._ivf().nlist if self.kind == "ivf" else None

    @property
    def nprobe(self) -> int | None:
        return self._ivf().nprobe if self.kind == "ivf" else None

    @nprobe.setter
    def nprobe(self, value: int) -> None:
        ivf = self._ivf()
        if not 1 <= value <= ivf.nlist:
            raise ValueError(f"nprobe must be between 1 and nlist ({ivf.nlist})")
        ivf.nprobe = value

    def _ivf(self) -> faiss.IndexIVFFlat:
        if self.kind != "ivf":
            raise TypeError("only an IVF index has lists")
        return faiss.extract_index_ivf(self._index)

    @property
    def is_trained(self) -> bool:
        return bool(self._index.is_trained)

    def train(self, vectors: np.ndarray, *, seed: int = 0) -> None:
        """Learn the IVF lists from a sample of ``vectors`` (exact indexes need no training)."""
        vectors = _as_vectors(vectors, self.dim)
        if self.kind != "ivf":
            return
        ivf = self._ivf()
        if vectors.shape[0] < ivf.nlist:
            raise ValueError(f"need at least nlist ({ivf.nlist}) vectors to train")
        sample_size = min(vectors.shape[0], TRAINING_POINTS_PER_LIST * ivf.nlist)
        if sample_size < vectors.shape[0]:
            rng = np.random.default_rng(seed)
            vectors = vectors[np.sort(rng.choice(vectors.shape[0], sample_size, replace=False))]
        ivf.cp.seed = seed
        ivf.train(vectors)

    def add(self, vectors: np.ndarray, ids: np.ndarray | list[int]) -> None:
        """Add vectors under their database ids.

        An exact index refuses an id it already holds. An IVF index keeps no id lookup (that
        would cost memory on every gallery entry), so there the database's unique keys are
        what keep ids unique.
        """
        vectors = _as_vectors(vectors, self.dim)
        ids = _as_ids(ids, vectors.shape[0])
        if not self.is_trained:
            raise RuntimeError("train the IVF index before adding vectors")
        if self.kind == "exact" and len(self):
            # IndexIDMap2 would keep both copies of an id; the database has one row per id.
            present = [int(i) for i in ids if self._has_id(int(i))]
            if present:
                raise ValueError(f"ids already in the index: {present[:5]}")
        self._index.add_with_ids(vectors, ids)

    def _has_id(self, id_: int) -> bool:
        try:
            self._index.reconstruct(id_)
        except RuntimeError:
            return False
        return True

    def remove_ids(self, ids: np.ndarray | list[int]) -> int:
        """Remove entries by id; returns how many were present and removed."""
        array = np.ascontiguousarray(np.asarray(ids, dtype=np.int64).reshape(-1))
        if array.size == 0:
            return 0
        return int(self._index.remove_ids(faiss.IDSelectorBatch(array)))

    def search_arrays(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """FAISS's raw answer: scores and ids of shape (n_queries, k); id -1 pads short lists."""
        queries = _as_vectors(queries, self.dim)
        if k < 1:
            raise ValueError("k must be at least 1")
        if self.kind == "ivf":
            # FAISS splits IVF work over queries by default, leaving a lone probe on one
            # thread; split over the probed lists instead when there are fewer queries than
            # threads. (A plain int on the index: concurrent callers at worst get the other mode.)
            few = queries.shape[0] < faiss.omp_get_max_threads()
            self._ivf().parallel_mode = 1 if few else 0
        return self._index.search(queries, k)

    def search(self, queries: np.ndarray, k: int) -> list[list[Hit]]:
        """For each query, up to ``k`` (id, score) pairs, best first."""
        scores, ids = self.search_arrays(queries, k)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def memory_bytes(self) -> int:
        """Bytes of vectors, ids and centroids held (the payload; allocator overhead aside)."""
        per_entry = self.dim * 4 + 8
        if self.kind == "exact":
            # IndexIDMap2 also keeps a reverse map (hash table) from id to position.
            return len(self) * (per_entry + 32)
        return len(self) * per_entry + self._ivf().nlist * self.dim * 4

    def to_bytes(self) -> bytes:
        return faiss.serialize_index(self._index).tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> "FaceIndex":
        index = faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8))
        if isinstance(index, faiss.IndexIDMap2):
            return cls(index, "exact")
        if isinstance(index, faiss.IndexIVFFlat):
            return cls(index, "ivf")
        raise ValueError(f"not an index this engine writes: {type(index).__name__}")


def build_from(
    vectors: np.ndarray,
    ids: np.ndarray | list[int],
    *,
    kind: IndexKind | Literal["auto"] = "auto",
    nlist: int | None = None,
    nprobe: int | None = None,
    dim: int | None = None,
    seed: int = 0,
) -> FaceIndex:
    """Build an index from scratch from the database's vectors and their row ids.

    ``kind="auto"`` picks exact search up to ``APPROXIMATE_ABOVE`` entries and IVF above.
    An empty input gives an empty exact index of ``dim`` dimensions, or of the width of the
    empty array given; with neither there is nothing to say how wide the vectors are.
    """
    if not len(vectors):
        width = dim or (vectors.shape[1] if getattr(vectors, "ndim", 1) == 2 else 0)
        if not width:
            raise ValueError("An empty index needs its vectors' dimension (dim=...).")
        vectors = np.empty((0, width), np.float32)
    else:
        vectors = _as_vectors(vectors)
    n, d = vectors.shape
    ids = _as_ids(ids, n)
    if kind == "auto":
        kind = "exact" if n <= APPROXIMATE_ABOVE else "ivf"
    if kind == "exact":
        index = FaceIndex.exact(d)
    elif kind == "ivf":
        lists = nlist or suggest_nlist(n)
        index = FaceIndex.ivf(d, lists, nprobe=nprobe or suggest_nprobe(lists))
        index.train(vectors, seed=seed)
    else:
        raise ValueError(f"unknown index kind {kind!r}")
    if n:
        index.add(vectors, ids)
    return index
