"""The one serde of send-hub: Avro single-object encoding with fastavro.

Wire format (Avro spec, "single object encoding"): ``C3 01`` marker, the 8-byte little-endian
CRC-64-AVRO fingerprint of the writer schema's Parsing Canonical Form, then the Avro body. A
reader finds the writer schema in the catalogue by fingerprint (no registry service) and
resolves it to the reader version it asks for (default: the subject's current version).

Records are plain dicts shaped like the Avro schema. For the ``event`` subject the payload is
a plain dict too: ``event_type`` names its union branch, which is how the writer picks it.
``to_avro``/``from_avro`` convert between those dicts and the ``hub.models`` pydantic models.
"""

from __future__ import annotations

import struct
from functools import lru_cache
from io import BytesIO
from typing import Any, NamedTuple

from fastavro import schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError
from pydantic import BaseModel, ValidationError

from hub.errors import DecodeError, SchemaError, ValidationFailed
from hub.intake.deadletter import DeadLetter
from hub.models import ConsentRecord, Event, IdentityReviewDecision
from hub.timeline.entry import AVRO_CONTEXT, IdentityLink, TimelineEntry
from schemas.catalogue import (
    CONSENT_RECORD,
    DEADLETTER,
    EVENT,
    IDENTITY_LINK,
    IDENTITY_REVIEW_DECISION,
    TIMELINE_ENTRY,
    Catalogue,
    SchemaVersion,
    default_catalogue,
)

__all__ = [
    "HEADER_SIZE",
    "MARKER",
    "BadMarker",
    "CorruptBody",
    "Decoded",
    "EncodeError",
    "ReaderMismatch",
    "Serde",
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
    "to_avro",
]

MARKER = b"\xc3\x01"
HEADER_SIZE = 10  # marker + 8-byte fingerprint

MODELS: dict[str, type[BaseModel]] = {
    EVENT: Event,
    CONSENT_RECORD: ConsentRecord,
    IDENTITY_REVIEW_DECISION: IdentityReviewDecision,
    TIMELINE_ENTRY: TimelineEntry,
    IDENTITY_LINK: IdentityLink,
    DEADLETTER: DeadLetter,
}
_SUBJECT_OF_MODEL = {model: subject for subject, model in MODELS.items()}

# What fastavro raises for bytes that are not a body of their schema: EOFError or an
# IndexError when the bytes run out mid-value, others for a bad union/enum index, invalid
# UTF-8 or an absurd length. Which one it was is decided by whether the input was used up.
_READ_ERRORS = (
    EOFError,
    struct.error,
    ValueError,
    IndexError,
    KeyError,
    TypeError,
    OverflowError,
    MemoryError,
)
_BAD_RECORD = (ValueError, TypeError, KeyError, AttributeError, OverflowError, IndexError)


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


class _ReadPlan(NamedTuple):
    writer: SchemaVersion
    reader: SchemaVersion
    reader_schema: dict[str, Any] | None  # None when reader == writer: no resolution needed


class Serde:
    """Encoder/decoder over one catalogue; caches read plans per (fingerprint, version)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._plans: dict[tuple[bytes, int | None], _ReadPlan] = {}
        self._headers = {sv: MARKER + sv.fingerprint for sv in catalogue}

    def encode(self, subject: str, record: dict[str, Any], version: int | None = None) -> bytes:
        """Single-object bytes of ``record`` written with ``subject``'s schema (default current)."""
        sv = self.catalogue.get(subject, version)
        if subject == EVENT:
            record = _select_payload_branch(record, sv)
        out = BytesIO()
        out.write(self._headers[sv])
        try:
            schemaless_writer(out, sv.schema, record)
        except _BAD_RECORD as exc:
            raise EncodeError(f"record does not fit {sv}: {exc}") from exc
        return out.getvalue()

    def peek(self, data: bytes) -> SchemaVersion:
        """The writer schema of ``data``, from its header alone."""
        if len(data) < HEADER_SIZE:
            if data[:2] != MARKER[: len(data[:2])]:
                raise BadMarker("not single-object Avro: missing C3 01 marker")
            raise TruncatedMessage(f"message of {len(data)} bytes is shorter than its header")
        if data[:2] != MARKER:
            raise BadMarker(f"not single-object Avro: marker {bytes(data[:2]).hex()} != c301")
        fingerprint = bytes(data[2:HEADER_SIZE])
        sv = self.catalogue.by_fingerprint(fingerprint)
        if sv is None:
            raise UnknownFingerprint(fingerprint)
        return sv

    def decode(self, data: bytes, reader_version: int | None = None) -> Decoded:
        """Decode ``data``, resolving its writer schema to ``reader_version`` (default current)."""
        plan = self._plans.get((bytes(data[2:HEADER_SIZE]), reader_version))
        if plan is None or data[:2] != MARKER:
            plan = self._plan(data, reader_version)
        buf = BytesIO(data)
        buf.seek(HEADER_SIZE)
        record = self._read_body(buf, plan, len(data))
        if buf.tell() != len(data):
            raise CorruptBody(
                f"{len(data) - buf.tell()} trailing bytes after the {plan.writer} body"
            )
        if plan.reader.subject == EVENT:
            _unwrap_payload(record)
        return Decoded(plan.reader.subject, plan.reader.version, record)

    def _plan(self, data: bytes, reader_version: int | None) -> _ReadPlan:
        writer = self.peek(data)
        reader = self.catalogue.get(writer.subject, reader_version)
        plan = _ReadPlan(writer, reader, None if reader is writer else reader.schema)
        self._plans[(writer.fingerprint, reader_version)] = plan
        return plan

    @staticmethod
    def _read_body(buf: BytesIO, plan: _ReadPlan, size: int) -> dict[str, Any]:
        try:
            record = schemaless_reader(
                buf,
                plan.writer.schema,
                plan.reader_schema,
                return_record_name=True,
                return_record_name_override=True,
            )
        except SchemaResolutionError as exc:
            raise ReaderMismatch(f"{plan.reader} cannot read {plan.writer} data: {exc}") from exc
        except _READ_ERRORS as exc:
            if buf.tell() >= size:
                raise TruncatedMessage(f"{plan.writer} body ends early ({size} bytes)") from exc
            raise CorruptBody(f"{plan.writer} body is corrupt at byte {buf.tell()}: {exc}") from exc
        if not isinstance(record, dict):  # pragma: no cover - top-level schemas are records
            raise CorruptBody(f"{plan.writer} body is not a record")
        return record


def _select_payload_branch(record: dict[str, Any], sv: SchemaVersion) -> dict[str, Any]:
    """Name the payload's union branch after ``event_type`` (fastavro tuple notation)."""
    payload = record.get("payload")
    if isinstance(payload, dict):
        namespace = sv.name.rpartition(".")[0]
        return {**record, "payload": (f"{namespace}.{record.get('event_type')}", payload)}
    return record


def _unwrap_payload(record: dict[str, Any]) -> None:
    """Turn fastavro's ``(branch name, payload)`` into the payload, checking it matches."""
    name, payload = record["payload"]
    if name.rpartition(".")[2] != record["event_type"]:
        raise CorruptBody(f"payload {name} does not match event_type {record['event_type']}")
    record["payload"] = payload


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
    return model.model_dump(context=AVRO_CONTEXT)  # lets a model pick its Avro form


def from_avro(record: dict[str, Any], subject: str = EVENT) -> BaseModel:
    """The contract model of an Avro-shaped dict; invalid data raises ValidationFailed."""
    model = MODELS.get(subject)
    if model is None:
        raise SchemaError(f"no model for schema subject {subject!r}")
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
