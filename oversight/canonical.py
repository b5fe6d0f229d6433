"""Canonical JSON for ledger payloads, and the guard that keeps biometric data out of them.

The canonical form (the text that is stored and hashed) is fixed:

- an object at the top; keys are strings, sorted by Unicode code point; no whitespace;
- UTF-8, non-ASCII text written as itself (``ensure_ascii=False``); control characters escaped;
- ``None``/``True``/``False`` as null/true/false; integers (and IntegerChoices) as integers;
- finite floats as JSON numbers in their shortest round-trip form (Python's ``repr``: 0.64,
  1e-05, 12.0); NaN and Infinity are refused;
- aware datetimes as UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (six fraction digits); naive
  datetimes are refused; dates as ``YYYY-MM-DD``;
- ``Decimal`` and ``UUID`` as strings (``str(value)``: a Decimal keeps its exact digits), enums
  as their value, tuples as arrays.

Anything else is refused, as are values that look like biometric data (see
``check_not_biometric``). The verifier never re-encodes a payload: it hashes the stored text,
so these rules make payloads reproducible, not verifiable; the hash does that.
"""

from __future__ import annotations

import enum
import json
import math
import re
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from oversight.errors import BiometricDataInLedger, InvalidLedgerEvent

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
MAX_FLOATS_IN_A_LIST = 16
MAX_STRING_LENGTH = 10_000
MAX_PAYLOAD_BYTES = 64 * 1024
MAX_DEPTH = 16

# A key naming one of these is refused unless it also names something safe to keep
# (a count, an id, a hash...): "faces_processed" and "image_sha256" are fine, "face",
# "probe_image" and "embedding" are not.
BIOMETRIC_KEY_WORDS = frozenset(
    {
        "biometric",
        "biometrics",
        "crop",
        "embedding",
        "embeddings",
        "face",
        "faces",
        "image",
        "images",
        "img",
        "landmarks",
        "photo",
        "photos",
        "picture",
        "pixels",
        "probe",
        "template",
        "templates",
        "thumbnail",
        "vector",
        "vectors",
    }
)
SAFE_KEY_WORDS = frozenset(
    {
        "count",
        "counts",
        "deleted",
        "digest",
        "hash",
        "hashes",
        "id",
        "ids",
        "kept",
        "model",
        "number",
        "processed",
        "quality",
        "retained",
        "sha256",
        "size",
        "source",
        "total",
        "version",
    }
)
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORDS = re.compile(r"[a-z0-9]+")
_ENCODED_BINARY = re.compile(r"[A-Za-z0-9+/=_-]{256,}")


def format_time(value: datetime) -> str:
    """A datetime as the ledger writes it: UTC, microseconds, 'Z'."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidLedgerEvent("The ledger records aware datetimes only (USE_TZ).")
    return value.astimezone(UTC).strftime(TIME_FORMAT)


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=UTC)


def key_words(key: str) -> set[str]:
    return set(_WORDS.findall(_CAMEL.sub("_", key).lower()))


def is_biometric_key(key: str) -> bool:
    words = key_words(key)
    return bool(words & BIOMETRIC_KEY_WORDS) and not (words & SAFE_KEY_WORDS)


def canonical_json(payload: dict | None) -> str:
    """The canonical text of a payload (an object), after refusing biometric data."""
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise InvalidLedgerEvent("A ledger payload is a dict of ids, counts, reasons and hashes.")
    plain = _normalise(payload, "payload", 0)
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode()) > MAX_PAYLOAD_BYTES:
        raise InvalidLedgerEvent(
            f"The ledger payload is larger than {MAX_PAYLOAD_BYTES // 1024} KiB; record ids, "
            "counts and hashes rather than documents."
        )
    return text


def _normalise(value: Any, path: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise InvalidLedgerEvent(f"The ledger payload nests deeper than {MAX_DEPTH} levels.")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return _normalise(value.value, path, depth)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidLedgerEvent(f"{path} is not a finite number.")
        return float(value)
    if isinstance(value, str):
        return _check_string(str(value), path)
    if isinstance(value, bytes | bytearray | memoryview):
        raise BiometricDataInLedger(
            f"{path} is binary data; the ledger takes a hash of it, never its bytes.",
        )
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        raise InvalidLedgerEvent(f"{path} is a time of day without a date; give a datetime.")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidLedgerEvent(f"{path} is not a finite number.")
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if _is_array(value):
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            return _normalise(value.item(), path, depth)  # a numpy scalar: a plain number
        raise BiometricDataInLedger(
            f"{path} is an array (an image or a vector); the ledger never holds biometric data."
        )
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidLedgerEvent(f"{path} has a key that is not text: {key!r}.")
            if is_biometric_key(key):
                raise BiometricDataInLedger(
                    f"{path}.{key}: a ledger payload never names images, faces, templates or "
                    "vectors; record an id, a count or a hash (e.g. image_sha256)."
                )
            result[key] = _normalise(item, f"{path}.{key}", depth + 1)
        return result
    if isinstance(value, list | tuple):
        items = [_normalise(item, f"{path}[{i}]", depth + 1) for i, item in enumerate(value)]
        floats = sum(1 for item in items if isinstance(item, float))
        if floats > MAX_FLOATS_IN_A_LIST:
            raise BiometricDataInLedger(
                f"{path} is a list of {floats} decimal numbers, which looks like a biometric "
                "vector; the ledger never holds one."
            )
        return items
    raise InvalidLedgerEvent(
        f"{path} is a {type(value).__name__}; ledger payloads take text, numbers, booleans, "
        "dates, lists and dicts (pass an object's id, not the object)."
    )


def _is_array(value: Any) -> bool:
    return hasattr(value, "__array__") or hasattr(value, "__array_interface__")


def _check_string(value: str, path: str) -> str:
    if value[:11].lower().startswith("data:"):
        raise BiometricDataInLedger(f"{path} is a data URI; the ledger never holds images.")
    if len(value) > MAX_STRING_LENGTH:
        raise InvalidLedgerEvent(
            f"{path} is longer than {MAX_STRING_LENGTH} characters; record a reference and hash."
        )
    if _ENCODED_BINARY.search(value):
        raise BiometricDataInLedger(
            f"{path} looks like encoded binary data; the ledger takes a hash of it instead."
        )
    return value
