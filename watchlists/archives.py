"""Reading an uploaded ZIP of images safely: a hostile archive is refused whole, with a
specific code, before anything is written.

``open_archive`` checks the central directory (how many members, their names, their kinds,
their declared sizes and compression ratios, encryption, duplicates), then decompresses every
member once, reading at most its limit plus one byte, so a header that lies about a member's
size, or a corrupt member, is caught before a row is imported. ``ImageArchive.read`` reads a
member again under the same guard when its row is imported.

Limits (settings, docs/settings.md): ``WA_IMPORT_MAX_MEMBERS``, ``WA_IMPORT_MAX_TOTAL_BYTES``
(the archive itself and the sum of its members' sizes), ``WA_IMPORT_MAX_RATIO`` and
``WA_MAX_IMAGE_BYTES`` per member.
"""

from __future__ import annotations

import io
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings

from watchlists.errors import (
    ArchiveBomb,
    ArchiveCorrupt,
    ArchiveDuplicateName,
    ArchiveEncrypted,
    ArchiveMemberTooLarge,
    ArchivePathTraversal,
    ArchiveSymlink,
    ArchiveTooLarge,
    ArchiveTooManyMembers,
    ImageMissing,
)

# A member smaller than this is not judged by its ratio (a tiny file compresses well for no
# harm); the sum of declared sizes and the guarded read still bound it.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK = 1024 * 1024
_DRIVE = re.compile(r"^[A-Za-z]:")
_ENCRYPTED = 0x1


@dataclass(frozen=True)
class ArchiveLimits:
    max_members: int
    max_total_bytes: int
    max_ratio: float
    max_member_bytes: int

    @classmethod
    def from_settings(cls) -> ArchiveLimits:
        return cls(
            max_members=int(settings.WA_IMPORT_MAX_MEMBERS),
            max_total_bytes=int(settings.WA_IMPORT_MAX_TOTAL_BYTES),
            max_ratio=float(settings.WA_IMPORT_MAX_RATIO),
            max_member_bytes=int(settings.WA_MAX_IMAGE_BYTES),
        )


def _shown(name: str) -> str:
    """A member's name as a message may quote it: printable, and not too long."""
    cleaned = "".join(c if c.isprintable() else "?" for c in name)
    return cleaned if len(cleaned) <= 80 else cleaned[:77] + "…"


def check_member_name(name: str) -> None:
    """A member's name must stay inside the archive: no parent steps, no absolute path, no
    drive letter, no backslash, no NUL."""
    if (
        not name
        or "\\" in name
        or "\x00" in name
        or name.startswith("/")
        or _DRIVE.match(name)
        or any(part == ".." for part in name.split("/"))
    ):
        raise ArchivePathTraversal(
            f"The archive holds a file whose name leaves its folder ({_shown(name)!r}): "
            "nothing was imported. Build the ZIP again from a folder of images."
        )


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def _entry_count(data: bytes) -> int | None:
    """The member count the end-of-central-directory record declares, read before zipfile
    builds one object per member (so 10^6 tiny members are refused cheaply)."""
    try:
        end = zipfile._EndRecData(io.BytesIO(data))
    except (OSError, struct.error):
        return None
    if not end:
        return None
    return int(end[zipfile._ECD_ENTRIES_TOTAL])


class ImageArchive:
    """An archive that passed ``open_archive``: its images by member name."""

    def __init__(self, zf: zipfile.ZipFile, limits: ArchiveLimits, members: dict[str, int]):
        self._zip = zf
        self._limits = limits
        # Member name -> declared size, files only (folders skipped).
        self.members = members

    @property
    def total_bytes(self) -> int:
        return sum(self.members.values())

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def __len__(self) -> int:
        return len(self.members)

    def read(self, name: str) -> bytes:
        """The member's bytes, decompressed under the per-member limit."""
        if name not in self.members:
            raise ImageMissing(f"The archive holds no file named {_shown(name)!r}.", field="image")
        return _guarded_read(self._zip, self._zip.getinfo(name), self._limits)

    def close(self) -> None:
        self._zip.close()


def _guarded_read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ArchiveLimits) -> bytes:
    """Decompress one member reading at most its limit + 1 bytes: more than the limit, or more
    than it declared, is a bomb whatever its header said."""
    limit = min(limits.max_member_bytes, info.file_size)
    out = io.BytesIO()
    try:
        with zf.open(info) as member:
            while out.tell() <= limit:
                chunk = member.read(min(CHUNK, limit + 1 - out.tell()))
                if not chunk:
                    break
                out.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise ArchiveCorrupt(
            f"The archive's file {_shown(info.filename)!r} cannot be read ({error}): nothing "
            "was imported."
        ) from None
    if out.tell() > limit:
        raise ArchiveBomb(
            f"The archive's file {_shown(info.filename)!r} decompresses to more than it "
            "declares or than an image may be: nothing was imported."
        )
    return out.getvalue()


def open_archive(data: bytes, *, limits: ArchiveLimits | None = None) -> ImageArchive:
    """The archive, checked whole; or the first reason it is refused (see the module)."""
    limits = limits or ArchiveLimits.from_settings()
    if not data:
        raise ArchiveCorrupt("The archive is empty. Upload a ZIP of the images.")
    if len(data) > limits.max_total_bytes:
        raise ArchiveTooLarge(
            f"The archive is larger than the {limits.max_total_bytes:,} bytes an import takes."
        )
    declared = _entry_count(data)
    if declared is not None and declared > limits.max_members:
        raise _too_many(declared, limits)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveCorrupt(
            "The file is not a ZIP archive, or it is damaged. Upload a ZIP of the images."
        ) from None
    try:
        members = _check_directory(zf, limits)
        for name in members:
            _guarded_read(zf, zf.getinfo(name), limits)
    except BaseException:
        zf.close()
        raise
    return ImageArchive(zf, limits, members)


def _too_many(count: int, limits: ArchiveLimits) -> ArchiveTooManyMembers:
    return ArchiveTooManyMembers(
        f"The archive holds {count:,} entries; an import takes at most {limits.max_members:,}."
    )


def _check_directory(zf: zipfile.ZipFile, limits: ArchiveLimits) -> dict[str, int]:
    infos = zf.infolist()
    if len(infos) > limits.max_members:
        raise _too_many(len(infos), limits)
    seen: set[str] = set()
    members: dict[str, int] = {}
    total = 0
    for info in infos:
        name = info.filename
        check_member_name(name)
        if name in seen:
            raise ArchiveDuplicateName(
                f"The archive holds two files named {_shown(name)!r}: nothing was imported."
            )
        seen.add(name)
        if _is_symlink(info):
            raise ArchiveSymlink(
                f"The archive holds a link ({_shown(name)!r}), not an image: nothing was "
                "imported. Build the ZIP from the image files themselves."
            )
        if info.flag_bits & _ENCRYPTED:
            raise ArchiveEncrypted(
                f"The archive's file {_shown(name)!r} is encrypted: upload an unencrypted ZIP."
            )
        if info.is_dir():
            continue
        if info.file_size > limits.max_member_bytes:
            raise ArchiveMemberTooLarge(
                f"The archive's file {_shown(name)!r} is {info.file_size:,} bytes; an image "
                f"may be at most {limits.max_member_bytes:,}."
            )
        if info.file_size >= RATIO_FLOOR_BYTES and (
            info.compress_size == 0 or info.file_size / info.compress_size > limits.max_ratio
        ):
            raise ArchiveBomb(
                f"The archive's file {_shown(name)!r} expands more than "
                f"{limits.max_ratio:g} times: it is refused as a ZIP bomb."
            )
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ArchiveBomb(
                f"The archive's files add up to more than the {limits.max_total_bytes:,} bytes "
                "an import takes once decompressed: it is refused as a ZIP bomb."
            )
        members[name] = info.file_size
    return members
