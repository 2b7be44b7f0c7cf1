"""The one serde of send-hub: Avro single-object encoding with fastavro.

Wire format (Avro spec, "single object encoding"): ``C3 01`` marker, the 8-byte little-endian
CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the Avro body. A
reader finds the writer schema in the catalogue by fingerprint (no registry service) and
resolves it to the reader version it asks for (default: the subject's current version).

Records are plain dicts shaped like the Avro schema. For the ``event`` subject the payload is
a plain dict too: ``event_type`` names its union branch, which is how the writer picks it.
``to_avro``/``from_avro`` convert between those dicts and the ``hub.models`` pydantic models.

Which call to use: a stream worker holds a ``Serde`` (or calls ``decode``/``encode``) and
works on ``Decoded.record`` dicts -- no pydantic on the hot path. ``decode_event`` and
``decode_model`` add pydantic validation (about as much again) for everything else.

Why it is fast (figures: ``bench/serde.py``). fastavro's cost is per field, so an event
(~35 fields) costs what it costs; this module adds about a microsecond per call on top:
- schemas are parsed once, and only fastavro's public API is used (``Serde.engine``):
  ``schemaless_reader``/``schemaless_writer`` take a parsed schema without parsing it again,
  copying only its named-type table per call, so each part of an event that is read or written
  on its own has a schema whose table holds just the names it refers to (``schemas.engine``).
- an event is written and read in two parts, the envelope and then the payload union (its last
  field) by hand: ``event_type`` gives the branch index directly (no search of ~55 branches)
  and, on read, the index says which record follows (no branch-name bookkeeping on every union
  in the event). The bytes are exactly fastavro's.
- read plans are cached per (writer fingerprint, reader version). Same version: no schema
  resolution. Across versions only what differs is resolved: the envelope and each payload
  branch are compared once, so old bytes of an unchanged event type read as fast as new ones.

Layout: ``schemas.wire`` (header, ``Decoded``, errors), ``schemas.engine`` (what the fastavro
calls need: part schemas of their own, the union index), ``schemas.plans`` (layouts and read
plans), ``schemas.codec`` (``Serde``), ``schemas.entries`` (timeline entries written from their
values, ``TimelineWriter``), ``schemas.memo`` (repeated event parts read once, ``DecodeMemo``).
This module is the one public entry point; import from it, not from those.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

from hub.errors import DecodeError, SchemaError, ValidationFailed
from hub.models import (
    AccessAlert,
    Alert,
    AuditRecord,
    ConsentRecord,
    DeadLetter,
    Event,
    IdentityLink,
    IdentityReviewDecision,
    ReviewItem,
    TimelineEntry,
    TokenRevocation,
)
from schemas.catalogue import (
    ACCESS_ALERT,
    ALERT,
    AUDIT,
    CONSENT_RECORD,
    DEADLETTER,
    EVENT,
    IDENTITY_LINK,
    IDENTITY_REVIEW,
    IDENTITY_REVIEW_DECISION,
    TIMELINE_ENTRY,
    TOKEN_REVOCATION,
    SchemaVersion,
    default_catalogue,
)
from schemas.codec import Serde
from schemas.entries import TimelineWriter
from schemas.memo import DecodeMemo
from schemas.wire import (
    HEADER_SIZE,
    MARKER,
    BadMarker,
    CorruptBody,
    Decoded,
    EncodeError,
    ReaderMismatch,
    TruncatedMessage,
    UnknownFingerprint,
)

__all__ = [
    "HEADER_SIZE",
    "MARKER",
    "BadMarker",
    "CorruptBody",
    "DecodeMemo",
    "Decoded",
    "EncodeError",
    "ReaderMismatch",
    "Serde",
    "TimelineWriter",
    "TruncatedMessage",
    "UnknownFingerprint",
    "decode",
    "decode_event",
    "decode_model",
    "default_serde",
    "encode",
    "encode_model",
    "from_avro",
    "peek",
    "subject_of",
    "timeline_entry_avro",
    "to_avro",
]

MODELS: dict[str, type[BaseModel]] = {
    EVENT: Event,
    CONSENT_RECORD: ConsentRecord,
    IDENTITY_REVIEW_DECISION: IdentityReviewDecision,
    TIMELINE_ENTRY: TimelineEntry,
    IDENTITY_LINK: IdentityLink,
    IDENTITY_REVIEW: ReviewItem,
    DEADLETTER: DeadLetter,
    AUDIT: AuditRecord,
    ALERT: Alert,
    ACCESS_ALERT: AccessAlert,
    TOKEN_REVOCATION: TokenRevocation,
}
_SUBJECT_OF_MODEL = {model: subject for subject, model in MODELS.items()}


@lru_cache(maxsize=1)
def default_serde() -> Serde:
    """The process-wide Serde over the shipped schemas."""
    return Serde(default_catalogue())


def encode(subject: str, record: dict[str, Any], version: int | None = None) -> bytes:
    """Encode an Avro-shaped dict of ``subject`` (current version unless ``version``)."""
    return default_serde().encode(subject, record, version)


def decode(data: bytes, reader_version: int | None = None) -> Decoded:
    """Decode single-object bytes to ``(subject, version, record)``."""
    return default_serde().decode(data, reader_version)


def peek(data: bytes) -> SchemaVersion:
    """The catalogued writer schema of ``data`` (header only)."""
    return default_serde().peek(data)


def subject_of(model: BaseModel) -> str:
    """The schema subject a model instance belongs to."""
    try:
        return _SUBJECT_OF_MODEL[type(model)]
    except KeyError:
        raise SchemaError(f"{type(model).__name__} is not a top-level contract model") from None


def to_avro(model: BaseModel) -> dict[str, Any]:
    """The Avro-shaped dict of a top-level contract model (Event, ConsentRecord, ...)."""
    if isinstance(model, TimelineEntry):
        return timeline_entry_avro(model, encode_model(model.event))
    return model.model_dump()


def timeline_entry_avro(entry: TimelineEntry, event_bytes: bytes) -> dict[str, Any]:
    """The Avro-shaped dict of ``entry`` carrying its event as ``event_bytes``.

    On ``send.timeline`` the event travels as its own single-object bytes (any event version),
    so the worker passes the bytes it consumed and never re-encodes the event; ``entry.event``
    is not read (the worker builds the entry with ``model_construct`` and no event).
    """
    record = entry.model_dump(exclude={"event"})
    record["event"] = event_bytes
    return record


def from_avro(record: dict[str, Any], subject: str = EVENT) -> BaseModel:
    """The contract model of an Avro-shaped dict; invalid data raises ValidationFailed."""
    model = MODELS.get(subject)
    if model is None:
        raise SchemaError(f"no model for schema subject {subject!r}")
    if subject == TIMELINE_ENTRY and isinstance(record.get("event"), bytes):
        record = {**record, "event": decode_event(record["event"])}  # any event version
    try:
        return model.model_validate(record)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValidationFailed(f"{first['msg']} ({exc.error_count()} errors)", where) from exc


def encode_model(model: BaseModel, version: int | None = None) -> bytes:
    """Single-object bytes of a contract model."""
    return encode(subject_of(model), to_avro(model), version)


def decode_model(data: bytes, reader_version: int | None = None) -> BaseModel:
    """The contract model in ``data`` (read at ``reader_version``, default current)."""
    subject, _, record = decode(data, reader_version)
    return from_avro(record, subject)


def decode_event(data: bytes, reader_version: int | None = None) -> Event:
    """The Event in ``data``; bytes of another subject are a DecodeError."""
    subject, _, record = decode(data, reader_version)
    if subject != EVENT:
        raise DecodeError(f"expected an event, got a {subject} record")
    event = from_avro(record, EVENT)
    assert isinstance(event, Event)
    return event
