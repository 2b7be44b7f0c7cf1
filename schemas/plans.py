"""Per schema version: how to write it, and how to read it as each reader version.

A ``Layout`` prepares one catalogued version once: its header, its named-type table and, for an
event whose last field is the payload union of records, the split into envelope (``head``) and
payload branches, so the writer picks a branch by ``event_type`` and the reader by the union
index. Every part has a schema of its own (``schemas.engine.standalone``): fastavro's public
reader and writer take it as it is, and copy only the named types that part refers to. A
``ReadPlan`` pairs a writer layout with a reader layout and resolves only the parts
whose shapes differ: same version, no resolution; across versions the envelope and each payload
branch are compared once, so old bytes of an unchanged event type read as fast as new ones.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fastavro import parse_schema

from schemas.catalogue import EVENT, SchemaVersion
from schemas.engine import NAMED, PLAIN, standalone
from schemas.wire import MARKER, PAYLOAD, SUBJECT

__all__ = ["Branch", "Layout", "ReadBranch", "ReadPlan", "make_layout", "read_plan", "varint"]


class Branch(NamedTuple):
    """One record of the event payload union."""

    name: str  # full record name (fastavro's tuple notation names a branch by it)
    event_type: str  # short name: the ``event_type`` that selects this branch
    prefix: bytes  # the union index as written: a zig-zag varint
    schema: dict[str, Any]  # standalone (see the module docstring), as are all parts below


class Parts(NamedTuple):
    """An event head cut around its subject, to read in three calls (see `DecodeMemo`)."""

    before: dict[str, Any]  # the fields before the subject, timestamps read as plain longs
    subject: dict[str, Any]
    after: dict[str, Any]
    stamps: tuple[str, ...]  # fields of ``before`` the caller turns into datetimes


class Layout(NamedTuple):
    """One schema version prepared once: header, named types and, for events, the split."""

    sv: SchemaVersion
    header: bytes
    named: dict[str, Any]
    head: dict[str, Any]  # the schema without its payload field when split, else the schema
    branches: tuple[Branch, ...]  # payload union branches; () when written whole
    by_type: dict[str, Branch]
    parts: Parts | None = None  # a split head cut around ``subject`` (see `DecodeMemo`)


def make_layout(sv: SchemaVersion, split: bool) -> Layout:
    """Split an event schema whose last field is the payload union of records; else whole."""
    named: dict[str, Any] = {}
    parse_schema(sv.schema, named)
    fields = sv.schema["fields"]
    whole = Layout(sv, MARKER + sv.fingerprint, named, sv.schema, (), {})
    if not (split and sv.subject == EVENT and fields and fields[-1]["name"] == PAYLOAD):
        return whole
    union = fields[-1]["type"]
    if not isinstance(union, list):
        return whole
    records = [named.get(b, b) if isinstance(b, str) else b for b in union]
    if not all(isinstance(r, dict) and r.get("type") == "record" for r in records):
        return whole
    branches = tuple(
        Branch(r["name"], r["name"].rpartition(".")[2], varint(2 * i), standalone(r, named))
        for i, r in enumerate(records)  # the prefix: zig-zag of i >= 0
    )
    head = {"type": "record", "name": sv.name, "fields": fields[:-1]}
    by_type = {b.event_type: b for b in branches}
    parts = _parts(head, named)
    return whole._replace(
        head=standalone(head, named), branches=branches, by_type=by_type, parts=parts
    )


_MILLIS = {"type": "long", "logicalType": "timestamp-millis"}


def _parts(head: dict[str, Any], named: dict[str, Any]) -> Parts | None:
    """The head cut around its ``subject`` record field.

    Timestamps before the subject are read as longs: a `DecodeMemo` turns them into the
    datetimes fastavro makes, from a table (events share their times; ~1.5 µs an event).
    """
    fields = head["fields"]
    names = [f["name"] for f in fields]
    if SUBJECT not in names or not isinstance(fields[names.index(SUBJECT)]["type"], dict):
        return None
    i = names.index(SUBJECT)
    stamps = tuple(f["name"] for f in fields[:i] if f["type"] == _MILLIS)
    plain = [{**f, "type": "long"} if f["name"] in stamps else f for f in fields[:i]]
    before = {"type": "record", "name": f"{head['name']}_before", "fields": plain}
    after = {"type": "record", "name": f"{head['name']}_after", "fields": fields[i + 1 :]}
    subject = fields[i]["type"]
    before, subject, after = (standalone(p, named) for p in (before, subject, after))
    return Parts(before, subject, after, stamps)


def varint(n: int) -> bytes:
    """A little-endian base-128 varint of ``n`` >= 0 (Avro longs after zig-zag)."""
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


class ReadBranch(NamedTuple):
    """How to read one writer payload branch: as written, resolved, or not at all."""

    name: str
    event_type: str  # as the reader names it: the decoded event_type must agree
    schema: dict[str, Any]
    reader_schema: dict[str, Any] | None  # None: read as written (same shape)
    missing: str | None  # why the reader cannot read this branch, if it cannot


class ReadPlan(NamedTuple):
    """How to read bytes of one writer version as one reader version."""

    writer: SchemaVersion
    reader: SchemaVersion
    schema: dict[str, Any]  # writer head (split event) or whole writer schema
    reader_schema: dict[str, Any] | None  # None: no resolution needed
    branches: tuple[ReadBranch, ...]  # () when the record is read whole
    options: dict[str, Any]
    unwrap: bool  # a whole event: payload comes back as (branch name, value)
    parts: Parts | None = None  # same version, split: the head in three (`DecodeMemo`)


def read_plan(w: Layout, r: Layout) -> ReadPlan:
    """Resolve only the parts whose shapes differ between writer and reader."""
    same = w.sv is r.sv
    if w.branches and r.branches:
        head_same = same or _shape(w.head, w.named) == _shape(r.head, r.named)
        branches = tuple(_read_branch(b, w, r, same) for b in w.branches)
        head_reader = None if head_same else r.head
        parts = w.parts if same else None
        return ReadPlan(w.sv, r.sv, w.head, head_reader, branches, PLAIN, False, parts)
    unwrap = w.sv.subject == EVENT
    reader_schema = None if same else r.sv.schema
    options = NAMED if unwrap else PLAIN
    return ReadPlan(w.sv, r.sv, w.sv.schema, reader_schema, (), options, unwrap)


def _read_branch(b: Branch, w: Layout, r: Layout, same: bool) -> ReadBranch:
    if same:
        return ReadBranch(b.name, b.event_type, b.schema, None, None)
    short, aliases = b.event_type, (b.name, b.event_type)
    for rb in r.branches:  # fastavro's rule: same short name, or the writer's name an alias
        if rb.event_type == short or any(a in rb.schema.get("aliases", ()) for a in aliases):
            same_shape = _shape(b.schema, w.named) == _shape(rb.schema, r.named)
            reader_schema = None if same_shape else rb.schema
            return ReadBranch(rb.name, rb.event_type, b.schema, reader_schema, None)
    return ReadBranch(b.name, b.event_type, b.schema, None, f"{r.sv} has no payload {b.name}")


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
