"""``Serde``: single-object encode/decode over one catalogue, with cached read plans.

An event is written and read in two parts, the envelope and then the payload union (its last
field) by hand: ``event_type`` gives the branch index directly (no search of the branches) and,
on read, the index says which record follows. The bytes are exactly fastavro's. Read plans are
cached per (writer fingerprint, reader version); see ``schemas.plans``. A ``DecodeMemo``
passed to ``decode`` lets repeated subjects and event tails be read once (``schemas.memo``).
"""

from __future__ import annotations

import struct
from io import BytesIO
from typing import Any

from fastavro.read import SchemaResolutionError

from schemas.catalogue import EVENT, Catalogue, SchemaVersion
from schemas.engine import ENGINE, read_long, read_value, write_value
from schemas.memo import DecodeMemo
from schemas.plans import Layout, ReadPlan, make_layout, read_plan
from schemas.wire import (
    HEADER_SIZE,
    MARKER,
    PAYLOAD,
    SUBJECT,
    BadMarker,
    CorruptBody,
    Decoded,
    EncodeError,
    ReaderMismatch,
    TruncatedMessage,
    UnknownFingerprint,
)

__all__ = ["Serde"]

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


class Serde:
    """Encoder/decoder over one catalogue; caches read plans per (fingerprint, version).

    ``fast=False`` reads and writes every record whole, in one fastavro call (the reference
    the split path is tested against); ``engine`` names the fastavro API in use.
    """

    def __init__(self, catalogue: Catalogue, *, fast: bool = True) -> None:
        self.catalogue = catalogue
        self.engine = ENGINE
        self._layouts = {sv: make_layout(sv, fast) for sv in catalogue}
        self._writers: dict[tuple[str, int | None], Layout] = {}
        self._plans: dict[tuple[bytes, int | None], ReadPlan] = {}

    def encode(self, subject: str, record: dict[str, Any], version: int | None = None) -> bytes:
        """Single-object bytes of ``record`` written with ``subject``'s schema (default current)."""
        layout = self._writers.get((subject, version))
        if layout is None:
            layout = self._layouts[self.catalogue.get(subject, version)]
            self._writers[(subject, version)] = layout
        out = BytesIO()
        out.write(layout.header)
        try:
            self._write(out, layout, record)
        except _BAD_RECORD as exc:
            raise EncodeError(f"record does not fit {layout.sv}: {exc}") from exc
        return out.getvalue()

    def _write(self, out: BytesIO, layout: Layout, record: dict[str, Any]) -> None:
        payload = record.get(PAYLOAD)
        if layout.branches and isinstance(payload, dict):
            write_value(out, layout.head, record)  # checks event_type
            branch = layout.by_type.get(record["event_type"])
            if branch is None:
                raise KeyError(f"no payload branch for event_type {record['event_type']!r}")
            out.write(branch.prefix)
            write_value(out, branch.schema, payload)
        else:
            if layout.sv.subject == EVENT:
                record = _select_payload_branch(record, layout.sv)
            write_value(out, layout.sv.schema, record)

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

    def decode(
        self, data: bytes, reader_version: int | None = None, memo: DecodeMemo | None = None
    ) -> Decoded:
        """Decode ``data``, resolving its writer schema to ``reader_version`` (default current).

        With a ``memo``, parts of events already decoded are taken from it (read-only records,
        see `DecodeMemo`); the result is the same.
        """
        plan = self._plans.get((bytes(data[2:HEADER_SIZE]), reader_version))
        if plan is None or data[:2] != MARKER:
            plan = self._plan(data, reader_version)
        if memo is not None and plan.parts is not None and isinstance(data, bytes):
            record = self._read_with_memo(data, plan, memo)
            if record is not None:
                return Decoded(plan.reader.subject, plan.reader.version, record)
        buf = BytesIO(data)
        buf.seek(HEADER_SIZE)
        record = self._read_body(buf, plan, len(data))
        if buf.tell() != len(data):
            raise CorruptBody(
                f"{len(data) - buf.tell()} trailing bytes after the {plan.writer} body"
            )
        return Decoded(plan.reader.subject, plan.reader.version, record)

    def _read_with_memo(self, data: bytes, plan: ReadPlan, memo: DecodeMemo) -> Any:
        """The event read in three parts, the subject and tail from ``memo`` when kept there.

        None on any failure: the caller then reads it the ordinary way, which raises the
        error it always raised.
        """
        assert plan.parts is not None
        before, subject, after, stamps = plan.parts
        try:
            buf = BytesIO(data)
            buf.seek(HEADER_SIZE)
            record = read_value(buf, before)
            for name in stamps:
                record[name] = memo.stamp(record[name])
            start = buf.tell()
            end = memo.subject(data, start, record)
            if end is None:
                record[SUBJECT] = read_value(buf, subject)
                end = buf.tell()
                memo.keep_subject(data, start, end, record[SUBJECT])
            if memo.tail(data, end, record, PAYLOAD):
                return record
            buf.seek(end)
            fields = read_value(buf, after)
            record.update(fields)
            record[PAYLOAD] = self._read_payload(buf, plan, record["event_type"])
        except Exception:  # the ordinary read says what is wrong
            return None
        if buf.tell() != len(data):
            return None
        memo.keep_tail(data, end, record["event_type"], fields, record[PAYLOAD])
        return record

    def _plan(self, data: bytes, reader_version: int | None) -> ReadPlan:
        writer = self.peek(data)
        reader = self.catalogue.get(writer.subject, reader_version)
        plan = read_plan(self._layouts[writer], self._layouts[reader])
        self._plans[(writer.fingerprint, reader_version)] = plan
        return plan

    def _read_body(self, buf: BytesIO, plan: ReadPlan, size: int) -> dict[str, Any]:
        try:
            record = read_value(buf, plan.schema, plan.reader_schema, **plan.options)
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

    def _read_payload(self, buf: BytesIO, plan: ReadPlan, event_type: str) -> Any:
        index = read_long(buf)
        if not 0 <= index < len(plan.branches):
            raise CorruptBody(f"{plan.writer} payload branch {index} is out of range")
        branch = plan.branches[index]
        if branch.event_type != event_type:
            raise CorruptBody(f"payload {branch.name} does not match event_type {event_type}")
        if branch.missing:
            raise ReaderMismatch(f"{plan.reader} cannot read {plan.writer} data: {branch.missing}")
        return read_value(buf, branch.schema, branch.reader_schema)


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
