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
- schemas are parsed once: ``Serde`` calls fastavro's compiled per-value reader and writer with
  named-type tables built up front, skipping the schema parsing and option set-up that every
  ``schemaless_reader``/``schemaless_writer`` call repeats. A start-up probe checks that those
  internals still behave like the public API; if not, the public API is used (``Serde.engine``).
- an event is written and read in two parts, the envelope and then the payload union (its last
  field) by hand: ``event_type`` gives the branch index directly (no search of 43 branches)
  and, on read, the index says which record follows (no branch-name bookkeeping on every union
  in the event). The bytes are exactly fastavro's.
- read plans are cached per (writer fingerprint, reader version). Same version: no schema
  resolution. Across versions only what differs is resolved: the envelope and each payload
  branch are compared once, so old bytes of an unchanged event type read as fast as new ones.
"""

from __future__ import annotations

import importlib
import struct
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import Any, NamedTuple

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError
from pydantic import BaseModel, ValidationError

from hub.errors import DecodeError, SchemaError, ValidationFailed
from hub.identity.review import ReviewItem
from hub.intake.deadletter import DeadLetter
from hub.models import ConsentRecord, Event, IdentityReviewDecision
from hub.timeline.entry import AVRO_CONTEXT, IdentityLink, TimelineEntry
from schemas.catalogue import (
    CONSENT_RECORD,
    DEADLETTER,
    EVENT,
    IDENTITY_LINK,
    IDENTITY_REVIEW,
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
PAYLOAD = "payload"

MODELS: dict[str, type[BaseModel]] = {
    EVENT: Event,
    CONSENT_RECORD: ConsentRecord,
    IDENTITY_REVIEW_DECISION: IdentityReviewDecision,
    TIMELINE_ENTRY: TimelineEntry,
    IDENTITY_LINK: IdentityLink,
    IDENTITY_REVIEW: ReviewItem,
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

# fastavro options. Plain reads return every union value as is; a whole event read needs the
# payload's branch name, but only there ("override": a ["null", record] union stays plain).
_PLAIN: dict[str, Any] = {}
_NAMED = {"return_record_name": True, "return_record_name_override": True}
_WRITE = {"strict": False, "strict_allow_default": False, "disable_tuple_notation": False}


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


# -- fastavro, called per value ------------------------------------------------------------


class _Engine(NamedTuple):
    """How one value is read and written: fastavro's compiled internals or its public API."""

    name: str
    read: Callable[..., Any]  # (buf, schema, named {"writer","reader"}, reader schema, options)
    write: Callable[..., Any]  # (out bytearray, datum, schema, named, field name, options)
    read_long: Callable[[BytesIO], int] | None  # None: whole records only (public API)


def _public_read(buf: BytesIO, schema: Any, named: Any, reader: Any, options: Any) -> Any:
    return schemaless_reader(buf, schema, reader, **options)


def _public_write(out: bytearray, datum: Any, schema: Any, *_: Any) -> None:
    tmp = BytesIO()
    schemaless_writer(tmp, schema, datum)
    out += tmp.getvalue()


_PUBLIC = _Engine("fastavro", _public_read, _public_write, None)

_PROBE_SCHEMA = {
    "type": "record",
    "name": "Probe",
    "fields": [
        {"name": "s", "type": "string"},
        {"name": "n", "type": ["null", "long"]},
        {"name": "t", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "u", "type": [
            {"type": "record", "name": "A", "fields": [{"name": "a", "type": "int"}]},
            {"type": "record", "name": "B", "fields": [{"name": "b", "type": "string"}]},
        ]},
    ],
}  # fmt: skip
_PROBE_RECORD = {"s": "é", "n": -3, "t": datetime(2025, 1, 6, tzinfo=UTC), "u": ("B", {"b": "x"})}


@lru_cache(maxsize=1)
def _compiled_engine() -> _Engine | None:
    """fastavro's compiled ``_read_data``/``write_data``/``read_long``, if they act as expected."""
    try:
        reads, writes = (importlib.import_module(f"fastavro.{m}") for m in ("_read", "_write"))
        engine = _Engine("fastavro-compiled", reads._read_data, writes.write_data, reads.read_long)
        named: dict[str, Any] = {}
        schema = parse_schema(_PROBE_SCHEMA, named)
        out, expected = bytearray(), BytesIO()
        engine.write(out, _PROBE_RECORD, schema, named, "", _WRITE)
        schemaless_writer(expected, schema, _PROBE_RECORD)
        got = engine.read(BytesIO(out), schema, {"writer": named, "reader": {}}, None, _NAMED)
        want = _public_read(BytesIO(out), schema, None, None, _NAMED)
        same = bytes(out) == expected.getvalue() and got == want
        same = same and reads.read_long(BytesIO(b"\x05")) == -3
    except Exception:  # an absent or changed private API: fall back to the public one
        return None
    return engine if same else None


# -- per schema version: how to write it, and how to read it as each reader version ---------


class _Branch(NamedTuple):
    """One record of the event payload union."""

    name: str  # full record name (fastavro's tuple notation names a branch by it)
    event_type: str  # short name: the ``event_type`` that selects this branch
    prefix: bytes  # the union index as written: a zig-zag varint
    schema: dict[str, Any]


class _Layout(NamedTuple):
    """One schema version prepared once: header, named types and, for events, the split."""

    sv: SchemaVersion
    header: bytes
    named: dict[str, Any]
    head: dict[str, Any]  # the schema without its payload field when split, else the schema
    branches: tuple[_Branch, ...]  # payload union branches; () when written whole
    by_type: dict[str, _Branch]


def _layout(sv: SchemaVersion, split: bool) -> _Layout:
    """Split an event schema whose last field is the payload union of records; else whole."""
    named: dict[str, Any] = {}
    parse_schema(sv.schema, named)
    fields = sv.schema["fields"]
    whole = _Layout(sv, MARKER + sv.fingerprint, named, sv.schema, (), {})
    if not (split and sv.subject == EVENT and fields and fields[-1]["name"] == PAYLOAD):
        return whole
    union = fields[-1]["type"]
    if not isinstance(union, list):
        return whole
    records = [named.get(b, b) if isinstance(b, str) else b for b in union]
    if not all(isinstance(r, dict) and r.get("type") == "record" for r in records):
        return whole
    branches = tuple(
        _Branch(r["name"], r["name"].rpartition(".")[2], _varint(2 * i), r)  # zig-zag of i >= 0
        for i, r in enumerate(records)
    )
    head = {"type": "record", "name": sv.name, "fields": fields[:-1]}
    by_type = {b.event_type: b for b in branches}
    return whole._replace(head=head, branches=branches, by_type=by_type)


def _varint(n: int) -> bytes:
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class _ReadBranch(NamedTuple):
    """How to read one writer payload branch: as written, resolved, or not at all."""

    name: str
    event_type: str  # as the reader names it: the decoded event_type must agree
    schema: dict[str, Any]
    reader_schema: dict[str, Any] | None  # None: read as written (same shape)
    missing: str | None  # why the reader cannot read this branch, if it cannot


class _ReadPlan(NamedTuple):
    writer: SchemaVersion
    reader: SchemaVersion
    named: dict[str, dict[str, Any]]  # fastavro's {"writer": ..., "reader": ...} name tables
    schema: dict[str, Any]  # writer head (split event) or whole writer schema
    reader_schema: dict[str, Any] | None  # None: no resolution needed
    branches: tuple[_ReadBranch, ...]  # () when the record is read whole
    options: dict[str, Any]
    unwrap: bool  # a whole event: payload comes back as (branch name, value)


def _read_plan(w: _Layout, r: _Layout) -> _ReadPlan:
    """Resolve only the parts whose shapes differ between writer and reader."""
    named = {"writer": w.named, "reader": r.named}
    same = w.sv is r.sv
    if w.branches and r.branches:
        head_same = same or _shape(w.head, w.named) == _shape(r.head, r.named)
        branches = tuple(_read_branch(b, w, r, same) for b in w.branches)
        head_reader = None if head_same else r.head
        return _ReadPlan(w.sv, r.sv, named, w.head, head_reader, branches, _PLAIN, False)
    unwrap = w.sv.subject == EVENT
    reader_schema = None if same else r.sv.schema
    options = _NAMED if unwrap else _PLAIN
    return _ReadPlan(w.sv, r.sv, named, w.sv.schema, reader_schema, (), options, unwrap)


def _read_branch(b: _Branch, w: _Layout, r: _Layout, same: bool) -> _ReadBranch:
    if same:
        return _ReadBranch(b.name, b.event_type, b.schema, None, None)
    short, aliases = b.event_type, (b.name, b.event_type)
    for rb in r.branches:  # fastavro's rule: same short name, or the writer's name an alias
        if rb.event_type == short or any(a in rb.schema.get("aliases", ()) for a in aliases):
            same_shape = _shape(b.schema, w.named) == _shape(rb.schema, r.named)
            reader_schema = None if same_shape else rb.schema
            return _ReadBranch(rb.name, rb.event_type, b.schema, reader_schema, None)
    return _ReadBranch(b.name, b.event_type, b.schema, None, f"{r.sv} has no payload {b.name}")


_NOT_SHAPE = frozenset({"doc", "__fastavro_parsed", "__named_schemas"})
_NAMED_TYPES = frozenset({"record", "error", "enum", "fixed"})


def _shape(schema: Any, named: dict[str, Any], seen: frozenset[str] = frozenset()) -> Any:
    """``schema`` with named references expanded and docs dropped: equal shapes read alike."""
    if isinstance(schema, str):
        if schema in named and schema not in seen:
            return _shape(named[schema], named, seen | {schema})
        return schema
    if isinstance(schema, list):
        return [_shape(s, named, seen) for s in schema]
    out = {k: v for k, v in schema.items() if k not in _NOT_SHAPE}
    kind = out.get("type")
    if isinstance(kind, str) and kind in _NAMED_TYPES:  # in its own declaration a ref stays one
        seen = seen | {out["name"]}
    for key in ("type", "items", "values"):
        if key in out:
            out[key] = _shape(out[key], named, seen)
    if "fields" in out:
        out["fields"] = [_shape(f, named, seen) for f in out["fields"]]
    return out


# -- the serde ------------------------------------------------------------------------------


class Serde:
    """Encoder/decoder over one catalogue; caches read plans per (fingerprint, version).

    ``fast=False`` uses only fastavro's public API (the reference the fast path is tested
    against); ``engine`` names the one in use.
    """

    def __init__(self, catalogue: Catalogue, *, fast: bool = True) -> None:
        self.catalogue = catalogue
        engine = _compiled_engine() if fast else None
        self._engine = engine or _PUBLIC
        self.engine = self._engine.name
        split = self._engine.read_long is not None
        self._layouts = {sv: _layout(sv, split) for sv in catalogue}
        self._writers: dict[tuple[str, int | None], _Layout] = {}
        self._plans: dict[tuple[bytes, int | None], _ReadPlan] = {}

    def encode(self, subject: str, record: dict[str, Any], version: int | None = None) -> bytes:
        """Single-object bytes of ``record`` written with ``subject``'s schema (default current)."""
        layout = self._writers.get((subject, version))
        if layout is None:
            layout = self._layouts[self.catalogue.get(subject, version)]
            self._writers[(subject, version)] = layout
        out = bytearray(layout.header)
        try:
            self._write(out, layout, record)
        except _BAD_RECORD as exc:
            raise EncodeError(f"record does not fit {layout.sv}: {exc}") from exc
        return bytes(out)

    def _write(self, out: bytearray, layout: _Layout, record: dict[str, Any]) -> None:
        write = self._engine.write
        payload = record.get(PAYLOAD)
        if layout.branches and isinstance(payload, dict):
            write(out, record, layout.head, layout.named, "", _WRITE)  # checks event_type
            branch = layout.by_type.get(record["event_type"])
            if branch is None:
                raise KeyError(f"no payload branch for event_type {record['event_type']!r}")
            out += branch.prefix
            write(out, payload, branch.schema, layout.named, PAYLOAD, _WRITE)
        else:
            if layout.sv.subject == EVENT:
                record = _select_payload_branch(record, layout.sv)
            write(out, record, layout.sv.schema, layout.named, "", _WRITE)

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
        return Decoded(plan.reader.subject, plan.reader.version, record)

    def _plan(self, data: bytes, reader_version: int | None) -> _ReadPlan:
        writer = self.peek(data)
        reader = self.catalogue.get(writer.subject, reader_version)
        plan = _read_plan(self._layouts[writer], self._layouts[reader])
        self._plans[(writer.fingerprint, reader_version)] = plan
        return plan

    def _read_body(self, buf: BytesIO, plan: _ReadPlan, size: int) -> dict[str, Any]:
        read = self._engine.read
        try:
            record = read(buf, plan.schema, plan.named, plan.reader_schema, plan.options)
            if plan.branches:
                record[PAYLOAD] = self._read_payload(buf, plan, record["event_type"])
        except SchemaResolutionError as exc:
            raise ReaderMismatch(f"{plan.reader} cannot read {plan.writer} data: {exc}") from exc
        except _READ_ERRORS as exc:
            if buf.tell() >= size:
                raise TruncatedMessage(f"{plan.writer} body ends early ({size} bytes)") from exc
            raise CorruptBody(f"{plan.writer} body is corrupt at byte {buf.tell()}: {exc}") from exc
        if not isinstance(record, dict):  # pragma: no cover - top-level schemas are records
            raise CorruptBody(f"{plan.writer} body is not a record")
        if plan.unwrap:
            _unwrap_payload(record)
        return record

    def _read_payload(self, buf: BytesIO, plan: _ReadPlan, event_type: str) -> Any:
        assert self._engine.read_long is not None  # split plans exist only with it
        index = self._engine.read_long(buf)
        if not 0 <= index < len(plan.branches):
            raise CorruptBody(f"{plan.writer} payload branch {index} is out of range")
        branch = plan.branches[index]
        if branch.event_type != event_type:
            raise CorruptBody(f"payload {branch.name} does not match event_type {event_type}")
        if branch.missing:
            raise ReaderMismatch(f"{plan.reader} cannot read {plan.writer} data: {branch.missing}")
        return self._engine.read(buf, branch.schema, plan.named, branch.reader_schema, _PLAIN)


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
