"""The fast serde path gives exactly what fastavro reading and writing whole records gives.

``Serde`` reads and writes an event in parts (its head, then the payload union by hand, each
part with a schema of its own); ``Serde(fast=False)`` reads and writes every record whole in
one ``schemaless_reader``/``schemaless_writer`` call. Both must produce the same bytes, the
same records and the same errors across schema versions (the fast path is stricter in one
place: a negative payload branch index is corrupt, where fastavro reads it as a Python index
from the end). Both use fastavro's public API only.
"""

import ast
import json
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from fastavro import parse_schema, schemaless_writer

from hub.errors import DecodeError
from hub.models import EventType
from schemas import serde
from schemas.catalogue import EVENT, default_catalogue, load_catalogue
from schemas.serde import CorruptBody, ReaderMismatch, Serde
from tests.unit.models import samples

FAST = Serde(default_catalogue())
PUBLIC = Serde(default_catalogue(), fast=False)


_ADDED_IN_V3 = frozenset(EventType) - {
    EventType(s) for s in default_catalogue().get(EVENT, 2).schema["fields"][1]["type"]["symbols"]
}


def _outcome(s: Serde, data: bytes, reader_version: int | None) -> object:
    try:
        return s.decode(data, reader_version)
    except DecodeError as exc:
        return type(exc)


def test_the_serde_says_it_uses_fastavros_public_api() -> None:
    assert serde.default_serde().engine == PUBLIC.engine == "fastavro-public"


def _private_names(tree: ast.Module) -> list[str]:
    """Private fastavro modules or names a module imports or spells out, and importlib use."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("fastavro"):
            dotted = [*(node.module or "").split("."), *(a.name for a in node.names)]
            found += [node.module or ""] if any(p.startswith("_") for p in dotted) else []
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name == "importlib" or "._" in a.name]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [node.value] if "fastavro._" in node.value else []
    return found


def test_the_schemas_package_uses_no_private_fastavro_name() -> None:
    # Private internals can change in any release; the pinned version is a contract only for
    # what fastavro documents.
    for path in sorted(Path(serde.__file__).parent.glob("*.py")):
        assert _private_names(ast.parse(path.read_text())) == [], path.name


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_fast_and_public_paths_agree_across_versions(event_type: EventType) -> None:
    event = samples.sample_event(event_type)
    # Types added in v3 cannot be written with an older schema.
    writers = (3,) if event_type in _ADDED_IN_V3 else (1, 2, 3)
    for writer in writers:
        record = serde.to_avro(event.model_copy(update={"schema_version": writer}))
        data = FAST.encode(EVENT, record, writer)
        assert data == PUBLIC.encode(EVENT, record, writer)
        for reader in (None, 1, 2, 3):
            assert _outcome(FAST, data, reader) == _outcome(PUBLIC, data, reader)


def test_a_payload_given_in_tuple_notation_is_written_the_same() -> None:
    record = serde.to_avro(samples.sample_event(EventType.PupilLeft))
    tupled = {**record, "payload": ("uk.sendhub.PupilLeft", record["payload"])}
    assert serde.encode(EVENT, tupled) == serde.encode(EVENT, record)


def _payload_bytes(event_type: EventType) -> tuple[bytes, bytes]:
    """The encoded event and the encoded payload record that ends it."""
    record = serde.to_avro(samples.sample_event(event_type))
    union = default_catalogue().current(EVENT).schema["fields"][-1]["type"]
    (branch,) = [b for b in union if b["name"] == f"uk.sendhub.{event_type}"]
    out = BytesIO()
    schemaless_writer(out, parse_schema(branch), record["payload"])
    return serde.encode(EVENT, record), out.getvalue()


@pytest.mark.parametrize("index", [b"\x7e", b"\x01"], ids=["63 of 43", "-1"])
def test_a_payload_branch_index_out_of_range_is_corrupt(index: bytes) -> None:
    data, payload = _payload_bytes(EventType.PupilEnrolled)
    crafted = data[: -len(payload) - 1] + index + payload
    with pytest.raises(CorruptBody):
        FAST.decode(crafted)
    # fastavro itself indexes the union with -1 (its last branch), then runs out of bytes.
    with pytest.raises(CorruptBody if index == b"\x7e" else DecodeError):
        PUBLIC.decode(crafted)


def _event_schema(branches: list[str]) -> dict[str, Any]:
    records = [
        {"type": "record", "name": name, "fields": [{"name": "n", "type": "int"}]}
        for name in branches
    ]
    enum = {"type": "enum", "name": "EventType", "symbols": ["A", "B"]}
    fields = [{"name": "event_type", "type": enum}, {"name": "payload", "type": records}]
    return {"type": "record", "name": "Event", "namespace": "t", "fields": fields}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_a_reader_without_the_payload_branch_cannot_read_it(tmp_path: Path, fast: bool) -> None:
    (tmp_path / EVENT).mkdir()
    (tmp_path / EVENT / "v1.avsc").write_text(json.dumps(_event_schema(["A"])))
    (tmp_path / EVENT / "v2.avsc").write_text(json.dumps(_event_schema(["A", "B"])))
    local = Serde(load_catalogue(tmp_path), fast=fast)
    a, b = ({"event_type": t, "payload": {"n": 7}} for t in ("A", "B"))
    assert local.decode(local.encode(EVENT, a), reader_version=1).record == a
    assert local.decode(local.encode(EVENT, b)).record == b
    with pytest.raises(ReaderMismatch):
        local.decode(local.encode(EVENT, b), reader_version=1)


def _colour_event(colours: list[str]) -> dict[str, Any]:
    """Branch A declares enum Colour; branch B only refers to it by name."""
    colour = {"type": "enum", "name": "Colour", "symbols": colours}
    a = {"type": "record", "name": "A", "fields": [{"name": "c", "type": colour}]}
    b = {"type": "record", "name": "B", "fields": [{"name": "c", "type": "t.Colour"}]}
    enum = {"type": "enum", "name": "EventType", "symbols": ["A", "B"]}
    fields = [{"name": "event_type", "type": enum}, {"name": "payload", "type": [a, b]}]
    return {"type": "record", "name": "Event", "namespace": "t", "fields": fields}


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "public"])
def test_a_branch_is_resolved_when_a_type_it_refers_to_changed(tmp_path: Path, fast: bool) -> None:
    (tmp_path / EVENT).mkdir()
    (tmp_path / EVENT / "v1.avsc").write_text(json.dumps(_colour_event(["RED"])))
    (tmp_path / EVENT / "v2.avsc").write_text(json.dumps(_colour_event(["RED", "BLUE"])))
    local = Serde(load_catalogue(tmp_path), fast=fast)
    red = {"event_type": "B", "payload": {"c": "RED"}}
    assert local.decode(local.encode(EVENT, red), reader_version=1).record == red
    with pytest.raises(ReaderMismatch):  # BLUE is not a v1 colour, though B itself is unchanged
        local.decode(local.encode(EVENT, {**red, "payload": {"c": "BLUE"}}), reader_version=1)
