"""Single-object wire format: header constants, the decoded result and the typed serde errors.

``MARKER`` + 8-byte writer fingerprint make the ``HEADER_SIZE``-byte header; ``PAYLOAD`` is the
event's last field, its union of payload records, and ``SUBJECT`` its person record. All are
re-exported by ``schemas.serde``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hub.errors import DecodeError, SchemaError

__all__ = [
    "HEADER_SIZE",
    "MARKER",
    "PAYLOAD",
    "SUBJECT",
    "BadMarker",
    "CorruptBody",
    "Decoded",
    "EncodeError",
    "ReaderMismatch",
    "TruncatedMessage",
    "UnknownFingerprint",
]

MARKER = b"\xc3\x01"
HEADER_SIZE = 10  # marker + 8-byte fingerprint
PAYLOAD = "payload"
SUBJECT = "subject"


class UnknownFingerprint(DecodeError):
    """The writer schema's fingerprint is not in the catalogue."""

    def __init__(self, fingerprint: bytes) -> None:
        super().__init__(f"unknown writer schema fingerprint {fingerprint.hex()}")
        self.fingerprint = fingerprint


class BadMarker(DecodeError):
    """The bytes do not start with the single-object marker C3 01."""


class TruncatedMessage(DecodeError):
    """The bytes end before the header or the body is complete."""


class CorruptBody(DecodeError):
    """The body is not a valid encoding of its writer schema (or has trailing bytes)."""


class ReaderMismatch(DecodeError):
    """The requested reader version cannot read data of this writer version."""


class EncodeError(SchemaError):
    """A record does not fit the schema it is being written with."""


class Decoded(NamedTuple):
    """Result of ``decode``: the record, shaped by ``subject`` at reader ``version``."""

    subject: str
    version: int
    record: dict[str, Any]
