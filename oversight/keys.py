"""The checkpoint signing key: read from the environment or a file, never from the database.

In order: ``WA_LEDGER_SIGNING_KEY_FILE`` (settings.LEDGER_SIGNING_KEY_FILE: a PEM private key,
a raw 32-byte seed, or a base64 seed), ``WA_LEDGER_SIGNING_KEY`` (settings.LEDGER_SIGNING_KEY: a
base64 32-byte Ed25519 seed), then, in the embedded and test settings only,
settings.LEDGER_GENERATED_KEY_FILE (``var/ledger-signing-key.pem``), generated with mode 0600
when missing. Production settings set no generated file and refuse to start without a key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from oversight.offline_verifier import key_id_for


def signing_key() -> Ed25519PrivateKey:
    return _load(
        getattr(settings, "LEDGER_SIGNING_KEY", ""),
        str(getattr(settings, "LEDGER_SIGNING_KEY_FILE", "") or ""),
        str(getattr(settings, "LEDGER_GENERATED_KEY_FILE", "") or ""),
    )


def public_key_raw() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )


def public_key_pem() -> bytes:
    return (
        signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def key_id() -> str:
    return key_id_for(public_key_raw())


@lru_cache(maxsize=8)
def _load(inline: str, key_file: str, generated_file: str) -> Ed25519PrivateKey:
    if key_file:
        return parse_private_key(
            _read(Path(key_file)), source=f"WA_LEDGER_SIGNING_KEY_FILE {key_file}"
        )
    if inline:
        return _from_seed(_decode_base64_seed(inline, "WA_LEDGER_SIGNING_KEY"))
    if generated_file:
        return _generated(Path(generated_file))
    raise ImproperlyConfigured(
        "no ledger signing key: set WA_LEDGER_SIGNING_KEY_FILE (or WA_LEDGER_SIGNING_KEY)"
    )


def parse_private_key(data: bytes, *, source: str) -> Ed25519PrivateKey:
    stripped = data.strip()
    if stripped.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(stripped, password=None)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(
                f"{source} is not a readable PEM private key ({exc})"
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured(f"{source} is not an Ed25519 key")
        return key
    if len(data) == 32:
        return _from_seed(data)
    return _from_seed(_decode_base64_seed(stripped.decode("ascii", "replace"), source))


def _decode_base64_seed(text: str, source: str) -> bytes:
    try:
        seed = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        seed = b""
    if len(seed) != 32:
        raise ImproperlyConfigured(
            f"{source} must be a 32-byte Ed25519 seed in base64 (or a PEM private key file)"
        )
    return seed


def _from_seed(seed: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(seed)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ImproperlyConfigured(f"cannot read the ledger signing key {path}: {exc}") from None


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _generated(path: Path) -> Ed25519PrivateKey:
    """Read the development key, creating it (0600) if missing; safe when two processes race."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-key-")
        try:
            with os.fdopen(handle, "wb") as stream:
                os.fchmod(stream.fileno(), 0o600)
                stream.write(private_key_pem(Ed25519PrivateKey.generate()))
            # os.link is atomic and fails if another process got there first: keep theirs.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return parse_private_key(_read(path), source=str(path))


def clear_cache() -> None:
    _load.cache_clear()
