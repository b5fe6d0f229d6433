"""The bulk import, measured end to end in a throwaway database.

``run_import_benchmark`` builds a live LFR authority through the real services (as
``gate.benchmark`` does), a watchlist under it whose authorised size holds every row, a CSV
and a ZIP of ``count`` distinct images, then times the real path with the real model:

* the upload's check and parse (``check_upload``: the archive checked and every member
  decompressed once under its limits, the CSV read);
* ``start_import`` (the same checks, the files stored, the job and its ledger event);
* ``run_import`` (every row through ``add_entry``: the face read, checked and embedded, the
  gate's checks and ledger events, the entry and its image stored, near-duplicates flagged).

Images come from a ``Name/*.jpg`` folder (one image per identity, cycled) or, by default, from
the sample faces inside the installed packages; each use is perturbed (a crop of a few pixels,
a brightness step, a JPEG re-encode) so no two are the same bytes. Near-identical faces under
different record ids are flagged as possible duplicates, as they would be: the flags are
counted. The database and the media folder are created for the run and removed after it.
"""

from __future__ import annotations

import io
import os
import platform
import resource
import shutil
import tempfile
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from unittest import mock

from django.contrib.auth.models import Group
from django.db import connections
from django.test.utils import override_settings
from PIL import Image, ImageEnhance

from authority.models import Decision, Rank, User
from common.roles import Role
from gate.benchmark import _live_authority, _recorded_equitability_report, throwaway_database
from oversight.dbroles import as_owner
from watchlists.csv_rows import COLUMNS
from watchlists.models import DuplicateFlag, WatchlistEntry
from watchlists.services import imports
from watchlists.services._common import decision_in_force
from watchlists.services.composition import create_watchlist

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def package_faces() -> list[bytes]:
    """The sample faces every install has (scikit-image's astronaut, insightface's Tom
    Hanks): two people."""
    import insightface
    import skimage

    return [
        (Path(skimage.__file__).parent / "data" / "astronaut.png").read_bytes(),
        (
            Path(insightface.__file__).parent / "data" / "images" / "Tom_Hanks_54745.png"
        ).read_bytes(),
    ]


def folder_faces(folder: Path) -> list[bytes]:
    """The first image of each identity of a ``Name/*.jpg`` folder."""
    out = []
    for person in sorted(p for p in folder.iterdir() if p.is_dir()):
        files = sorted(f for f in person.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        if files:
            out.append(files[0].read_bytes())
    return out


def perturbed(data: bytes, n: int) -> bytes:
    """The image, cropped by 1-4 pixels a side, brightened a step and re-encoded: other bytes,
    the same face."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = image.size
    left, top, right, bottom = 1 + n % 4, 1 + (n // 4) % 4, 1 + (n // 16) % 4, 1 + (n // 64) % 4
    image = image.crop((left, top, w - right, h - bottom))
    image = ImageEnhance.Brightness(image).enhance(0.96 + 0.01 * ((n // 256) % 9))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90 + n % 6)
    return out.getvalue()


def build_upload(faces: list[bytes], count: int) -> tuple[bytes, bytes]:
    import csv

    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(COLUMNS))
    writer.writeheader()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for n in range(count):
            name = f"images/{n:06d}.jpg"
            zf.writestr(name, perturbed(faces[n % len(faces)], n // len(faces) + n))
            writer.writerow(
                {
                    "record_id": f"BENCH-{n:06d}",
                    "source_system": "pnc",
                    "name": "",
                    "date_of_birth": "1980-01-01",
                    "category": "wanted_by_courts",
                    "reason": "Benchmark row, no real person.",
                    "image": name,
                    "image_source_system": "custody",
                    "legal_basis": "Benchmark data",
                    "capture_date": "",
                    "most_recent_suitable": "yes",
                    "still_sought_confirmed": "yes",
                    "under_18_justification": "",
                }
            )
    return text.getvalue().encode("utf-8"), archive.getvalue()


def _officer() -> User:
    user = User.objects.create(
        username="bench-wlo",
        first_name="Bench",
        last_name="Officer",
        rank=Rank.CONSTABLE,
        warrant_number="BM-wlo",
        command_unit="Benchmark",
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.set(Group.objects.filter(name=Role.WATCHLIST_OFFICER.value))
    return user


def _timed(function: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def _maxrss_mib() -> float:
    # Linux reports kilobytes, macOS bytes.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 / (1024 if platform.system() == "Darwin" else 1)


def measure_import(
    *, count: int, faces: list[bytes], trace: bool = True, say=lambda line: None
) -> dict:
    """Time the import on the current default database (see the module's docstring)."""
    application, _people = _live_authority()
    _recorded_equitability_report()
    Decision.objects.filter(application=application).update(max_watchlist_size=max(count, 1000))
    officer = _officer()
    watchlist = create_watchlist(
        application=application,
        by=officer,
        name="Benchmark import",
        deployment_start=application.valid_from,
        deployment_end=application.valid_until,
        location=decision_in_force(application).authorised_locations.first(),
    )
    say(f"building a CSV and a ZIP of {count:,} images…")
    csv_bytes, zip_bytes = build_upload(faces, count)
    if trace:
        tracemalloc.start()
    _checked, check_s = _timed(
        lambda: imports.check_upload(csv_bytes=csv_bytes, zip_bytes=zip_bytes)
    )
    check_peak = tracemalloc.get_traced_memory()[1] if trace else None
    with mock.patch.object(imports, "_enqueue"):  # timed here, not on a worker
        job, start_s = _timed(
            lambda: imports.start_import(
                watchlist=watchlist, by=officer, csv_bytes=csv_bytes, zip_bytes=zip_bytes
            )
        )
    say(f"importing {count:,} rows through the gate…")
    job, run_s = _timed(lambda: imports.run_import(job.pk))
    peak = tracemalloc.get_traced_memory()[1] if trace else None
    if trace:
        tracemalloc.stop()
    refused = Counter(r["code"] for r in job.results if r["outcome"] == "refused")
    total_s = start_s + run_s
    return {
        "rows": count,
        "distinct_source_faces": len(faces),
        "csv_bytes": len(csv_bytes),
        "zip_bytes": len(zip_bytes),
        "status": job.status,
        "kept": job.kept_rows,
        "refused": dict(sorted(refused.items())),
        "duplicates_flagged": DuplicateFlag.objects.filter(watchlist=watchlist).count(),
        "entries": WatchlistEntry.objects.filter(watchlist=watchlist).count(),
        "check_and_parse": {"seconds": check_s, "faces_per_second": count / check_s},
        "start_import": {"seconds": start_s},
        "enrolment": {"seconds": run_s, "faces_per_second": count / run_s},
        "overall": {"seconds": total_s, "faces_per_second": count / total_s},
        "peak_traced_mib": None if peak is None else peak / 2**20,
        "check_peak_traced_mib": None if check_peak is None else check_peak / 2**20,
        "max_rss_mib": _maxrss_mib(),
    }


@override_settings(DEBUG=False)
def run_import_benchmark(
    *, count: int = 1000, images: Path | None = None, trace: bool = True, say=lambda line: None
) -> dict:
    """``measure_import`` in a throwaway database and media folder."""
    faces = folder_faces(images) if images else package_faces()
    if not faces:
        raise ValueError(f"No images in {images}.")
    vendor = connections["default"].vendor
    media = tempfile.mkdtemp(prefix="wa-import-benchmark-media-")
    try:
        with as_owner(), throwaway_database(), override_settings(MEDIA_ROOT=media):
            result = measure_import(count=count, faces=faces, trace=trace, say=say)
    finally:
        shutil.rmtree(media, ignore_errors=True)
    result["images"] = str(images) if images else "package sample faces (astronaut, Tom Hanks)"
    result["database"] = f"throwaway {vendor} database (removed after the run)"
    result["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }
    return result


def summary_lines(result: dict) -> Iterator[str]:
    yield f"{result['rows']:,} rows from {result['images']} ({result['database']})"
    yield (
        f"kept {result['kept']:,}, refused {sum(result['refused'].values()):,} "
        f"{result['refused'] or ''}, duplicates flagged {result['duplicates_flagged']:,}"
    )
    for label, key in (
        ("archive check + CSV parse", "check_and_parse"),
        ("enrolment through the gate", "enrolment"),
        ("overall (start_import + run_import)", "overall"),
    ):
        part = result[key]
        yield f"{label}: {part['faces_per_second']:,.1f} faces/s ({part['seconds']:.2f} s)"
    if result["peak_traced_mib"] is not None:
        yield (
            f"peak Python memory (tracemalloc): {result['peak_traced_mib']:.1f} MiB "
            f"(check + parse: {result['check_peak_traced_mib']:.1f} MiB)"
        )
    yield f"peak resident memory (maxrss): {result['max_rss_mib']:.0f} MiB"
