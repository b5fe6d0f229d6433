"""The import benchmark's upload: distinct images (no two the same bytes) that pass the
upload's checks, built from the package sample faces."""

import hashlib
import zipfile
from io import BytesIO

from watchlists.benchmark import build_upload, package_faces
from watchlists.services.imports import check_upload


def test_the_benchmark_builds_an_upload_of_distinct_images_that_passes_the_checks():
    csv_bytes, zip_bytes = build_upload(package_faces(), 6)
    checked = check_upload(csv_bytes=csv_bytes, zip_bytes=zip_bytes)
    assert len(checked.rows) == checked.members == 6
    with zipfile.ZipFile(BytesIO(zip_bytes)) as zf:
        digests = {hashlib.sha256(zf.read(name)).hexdigest() for name in zf.namelist()}
    assert len(digests) == 6
