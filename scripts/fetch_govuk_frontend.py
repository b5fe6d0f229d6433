"""Build the GOV.UK Frontend static files from the npm registry's govuk-frontend package.

Needs only Python: downloads the pinned tarball, checks its published SHA-512 integrity, and
copies the compiled CSS and JS into static/vendor/govuk/. Fonts and the crown are left out on
purpose: they are reserved for GOV.UK itself (the site uses a system font stack instead).

The source maps are left out too, and so is the ``sourceMappingURL`` comment naming them:
production's manifest storage (collectstatic) follows every reference in CSS and JS and stops on
one naming a missing file, and the maps would only point at sources the site does not ship.
"""

import base64
import hashlib
import io
import re
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path

VERSION = "6.6.0"
TARBALL = f"https://registry.npmjs.org/govuk-frontend/-/govuk-frontend-{VERSION}.tgz"
INTEGRITY = (
    "sha512-xctkWrQvLnvQt7fyjQ3MGX9S0wz0x0RQuLxCeoXF+s8EjGICG81/"
    "DYQGKN5qgO+0KVT12UAaRwUsGY6fulRcRg=="
)
WANTED = {
    "package/dist/govuk/govuk-frontend.min.css": "govuk-frontend.min.css",
    "package/dist/govuk/govuk-frontend.min.js": "govuk-frontend.min.js",
    "package/package.json": "package.json",  # names the MIT licence
}
DEST = Path(__file__).resolve().parent.parent / "static" / "vendor" / "govuk"
# Written to DEST/.version; change the build number when the copied files change, so that
# `make install` rebuilds a checkout that has the old ones.
MARKER = f"{VERSION} build 2"
SOURCE_MAP_COMMENT = re.compile(
    rb"\s*(/\*# sourceMappingURL=[^*]*\*/|//# sourceMappingURL=\S*)\s*$"
)


def without_source_map(data: bytes) -> bytes:
    """The file less its trailing sourceMappingURL comment (CSS or JS form)."""
    return SOURCE_MAP_COMMENT.sub(b"\n", data, count=1)


def main() -> int:
    marker = DEST / ".version"
    if marker.is_file() and marker.read_text().strip() == MARKER:
        return 0
    try:
        with urllib.request.urlopen(TARBALL, timeout=60) as response:
            data = response.read()
    except OSError as exc:
        print(
            f"error: cannot download govuk-frontend {VERSION} from the npm registry: {exc}",
            file=sys.stderr,
        )
        return 1
    digest = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != INTEGRITY:
        print(
            "error: govuk-frontend tarball does not match its published integrity", file=sys.stderr
        )
        return 1
    if DEST.exists():
        shutil.rmtree(DEST)
    DEST.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        members = {m.name: m for m in archive.getmembers()}
        for source, target in WANTED.items():
            if source not in members:
                print(f"error: {source} missing from govuk-frontend {VERSION}", file=sys.stderr)
                return 1
            data = archive.extractfile(members[source]).read()
            if target.endswith((".css", ".js")):
                data = without_source_map(data)
            (DEST / target).write_bytes(data)
    marker.write_text(MARKER + "\n")
    print(f"govuk-frontend {VERSION} built into {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
