"""How one Avro value is read and written, with fastavro's public API only.

``schemaless_reader``/``schemaless_writer`` accept a schema that ``parse_schema`` already parsed
and do not parse it again (the fast path its docstring promises): per call they only copy the
schema's named-type table into a fresh one. A whole event's table holds ~100 names (its ~55
payload records and their types), so a read of one small part of an event with it would cost
more copying than reading. ``standalone`` gives each part a schema of its own whose table
holds only the names that part refers to, which keeps a call's overhead under a microsecond.

``read_long`` reads the one value fastavro has no public call for: an event's payload union
index, read between its head and the payload branch it selects (``schemas.plans``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer

__all__ = ["ENGINE", "NAMED", "PLAIN", "read_long", "read_value", "standalone", "write_value"]

ENGINE = "fastavro-public"  # what ``Serde.engine`` reports

# The two fastavro calls the serde makes. fastavro types what it reads as a union of every
# Avro value, where a record schema gives a dict. Aliases, not wrappers: a wrapper's Python
# call (~0.1 us) would be most again of what a public call adds to the read itself (~0.16 us).
read_value: Callable[..., Any] = schemaless_reader  # (buf, schema, reader schema, **options)
write_value: Callable[..., None] = schemaless_writer  # (out, schema, datum)

# schemaless_reader options. Plain reads return every union value as is; a whole event read
# needs the payload's branch name, but only there ("override": a ["null", record] union stays
# plain).
PLAIN: dict[str, Any] = {}
NAMED = {"return_record_name": True, "return_record_name_override": True}

# The keys parse_schema adds to the records it parsed (its "__fastavro_parsed marker" and the
# table that comes with it): dropped before a part is parsed on its own, or parse_schema
# would take the part as parsed already and keep the whole table.
_MARKERS = frozenset({"__fastavro_parsed", "__named_schemas"})


def read_long(buf: BytesIO) -> int:
    """An Avro long: a little-endian base-128 varint, zig-zag encoded; EOFError if cut short."""
    data = buf.read(1)
    if not data:
        raise EOFError("the bytes end inside a long")
    byte = data[0]
    value, shift = byte & 0x7F, 7
    while byte & 0x80:
        data = buf.read(1)
        if not data:
            raise EOFError("the bytes end inside a long")
        byte = data[0]
        value |= (byte & 0x7F) << shift
        shift += 7
    return (value >> 1) ^ -(value & 1)


def standalone(schema: Any, named: dict[str, Any]) -> Any:
    """``schema``, a part of a parsed schema whose named types are ``named``, parsed on its own.

    Its table holds the named types it refers to (and theirs, and the ones it defines): valid
    for ``schemaless_reader``/``schemaless_writer`` alone, and cheap for them to copy.
    """
    bare = _unmarked(schema)
    table: dict[str, Any] = {}
    _add_references(bare, named, table)
    return parse_schema(bare, table)


def _unmarked(schema: Any) -> Any:
    """A copy of ``schema`` without parse_schema's markers (the values themselves are shared)."""
    if isinstance(schema, list):
        return [_unmarked(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: v for k, v in schema.items() if k not in _MARKERS}
    for key in ("type", "items", "values"):
        if isinstance(out.get(key), dict | list):
            out[key] = _unmarked(out[key])
    if "fields" in out:
        out["fields"] = [_unmarked(f) for f in out["fields"]]
    return out


def _add_references(schema: Any, named: dict[str, Any], table: dict[str, Any]) -> None:
    """Put the named types ``schema`` refers to by name into ``table``, transitively."""
    if isinstance(schema, str):
        if schema in named and schema not in table:
            table[schema] = named[schema]
            _add_references(named[schema], named, table)
        return
    parts: Iterable[Any] = schema if isinstance(schema, list) else _children(schema)
    for part in parts:
        _add_references(part, named, table)


def _children(schema: dict[str, Any]) -> list[Any]:
    """A type's or field's sub-schemas (an enum's or fixed's "type" names its kind, no type)."""
    children = [schema[k] for k in ("type", "items", "values") if k in schema]
    return children + list(schema.get("fields", ()))
