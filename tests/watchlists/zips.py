"""Archives for the import tests, built with zipfile itself: good ones and hostile ones."""

import io
import stat
import struct
import warnings
import zipfile


def build(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def with_info(*infos: tuple[zipfile.ZipInfo, bytes]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
        with zipfile.ZipFile(out, "w") as zf:
            for info, data in infos:
                zf.writestr(info, data)
    return out.getvalue()


def named(name: str, data: bytes = b"x") -> bytes:
    """One member under exactly this name (ZipInfo keeps ``..``, ``/``, ``C:`` and ``\\``)."""
    return with_info((zipfile.ZipInfo(name), data))


def symlink(name: str = "link.jpg", target: bytes = b"/etc/passwd") -> bytes:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return with_info((info, target))


def encrypted(name: str = "locked.jpg") -> bytes:
    """A member marked encrypted (general-purpose flag bit 0 in both of its headers)."""
    raw = bytearray(build({name: b"ciphertext, as far as the flag says"}))
    local = raw.find(b"PK\x03\x04")
    raw[local + 6] |= 0x1
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 8] |= 0x1
    return bytes(raw)


def duplicate(name: str = "a.jpg") -> bytes:
    return with_info((zipfile.ZipInfo(name), b"one"), (zipfile.ZipInfo(name), b"two"))


def bomb(size: int = 8 * 1024 * 1024) -> bytes:
    """A run of zeros: a tiny member that declares (truthfully) a large size."""
    return build({"zeros.jpg": bytes(size)})


def forged_size(declared: int = 2 * 1024**3, data: bytes = b"small") -> bytes:
    """A member whose central directory declares ``declared`` bytes (2 GB) without their being
    written: the sizes in its central-directory record are patched after the fact."""
    raw = bytearray(build({"huge.jpg": data}, compression=zipfile.ZIP_STORED))
    at = raw.rfind(b"PK\x01\x02")
    # Central directory file header: compressed size at +20, uncompressed size at +24.
    struct.pack_into("<I", raw, at + 24, declared)
    return bytes(raw)


def lying_size(real: bytes, declared: int) -> bytes:
    """A member whose headers (local and central) say it is smaller than it decompresses to."""
    raw = bytearray(build({"liar.jpg": real}))
    local = raw.find(b"PK\x03\x04")
    struct.pack_into("<I", raw, local + 22, declared)
    central = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, central + 24, declared)
    return bytes(raw)


def many(count: int) -> bytes:
    return build({f"f{n}.jpg": b"" for n in range(count)}, compression=zipfile.ZIP_STORED)
