"""How one Avro value is read and written: fastavro's compiled internals, or its public API.

``Serde`` calls fastavro's compiled per-value ``_read_data``/``write_data`` with named-type
tables built up front, skipping the schema parsing and option set-up that every public
``schemaless_reader``/``schemaless_writer`` call repeats. Those are private, so a start-up
probe (``compiled_engine``) checks that they still behave exactly like the public API -- same
bytes, same values -- and otherwise the public API (``PUBLIC``) is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from io import BytesIO
from typing import Any, NamedTuple

from fastavro import parse_schema, schemaless_reader, schemaless_writer

__all__ = ["NAMED", "PLAIN", "PUBLIC", "WRITE", "Engine", "compiled_engine"]

# fastavro options. Plain reads return every union value as is; a whole event read needs the
# payload's branch name, but only there ("override": a ["null", record] union stays plain).
PLAIN: dict[str, Any] = {}
NAMED = {"return_record_name": True, "return_record_name_override": True}
WRITE = {"strict": False, "strict_allow_default": False, "disable_tuple_notation": False}


class Engine(NamedTuple):
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


PUBLIC = Engine("fastavro", _public_read, _public_write, None)

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
def compiled_engine() -> Engine | None:
    """fastavro's compiled ``_read_data``/``write_data``/``read_long``, if they act as expected."""
    try:
        reads, writes = (importlib.import_module(f"fastavro.{m}") for m in ("_read", "_write"))
        engine = Engine("fastavro-compiled", reads._read_data, writes.write_data, reads.read_long)
        named: dict[str, Any] = {}
        schema = parse_schema(_PROBE_SCHEMA, named)
        out, expected = bytearray(), BytesIO()
        engine.write(out, _PROBE_RECORD, schema, named, "", WRITE)
        schemaless_writer(expected, schema, _PROBE_RECORD)
        got = engine.read(BytesIO(out), schema, {"writer": named, "reader": {}}, None, NAMED)
        want = _public_read(BytesIO(out), schema, None, None, NAMED)
        same = bytes(out) == expected.getvalue() and got == want
        same = same and reads.read_long(BytesIO(b"\x05")) == -3
    except Exception:  # an absent or changed private API: fall back to the public one
        return None
    return engine if same else None
