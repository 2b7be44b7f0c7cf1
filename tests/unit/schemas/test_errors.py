"""Every serde error class, provoked with crafted bytes or records.

All decode errors are ``hub.errors.DecodeError`` (so intake can dead-letter them with a
reason); encode problems are ``SchemaError``; invalid decoded data is ``ValidationFailed``.
"""

import io
import json
import random
from pathlib import Path

import pytest
from fastavro import schemaless_writer

from hub.errors import DecodeError, HubError, SchemaError, ValidationFailed
from hub.models import EventType
from schemas import serde
from schemas.catalogue import EVENT, UnknownSubject, default_catalogue, load_catalogue
from schemas.serde import (
    BadMarker,
    CorruptBody,
    EncodeError,
    ReaderMismatch,
    Serde,
    TruncatedMessage,
    UnknownFingerprint,
)
from tests.unit.models import samples


@pytest.fixture(scope="module")
def good() -> bytes:
    return serde.encode_model(samples.sample_event(EventType.PupilEnrolled))


def test_every_error_is_a_hub_decode_error() -> None:
    for cls in (BadMarker, CorruptBody, ReaderMismatch, TruncatedMessage, UnknownFingerprint):
        assert issubclass(cls, DecodeError) and issubclass(cls, HubError)
    assert issubclass(EncodeError, SchemaError)


@pytest.mark.parametrize("data", [b"\x00", b"\x00\x01" + bytes(8) + b"\x00", b'{"json": 1}'])
def test_wrong_marker(data: bytes) -> None:
    with pytest.raises(BadMarker):
        serde.decode(data)


def test_wrong_marker_with_a_known_fingerprint(good: bytes) -> None:
    with pytest.raises(BadMarker):
        serde.decode(b"\xc3\x02" + good[2:])
    with pytest.raises(BadMarker):
        serde.decode(b"\x00" + good[1:])


def test_unknown_fingerprint(good: bytes) -> None:
    data = good[:2] + bytes.fromhex("0123456789abcdef") + good[10:]
    with pytest.raises(UnknownFingerprint) as info:
        serde.decode(data)
    assert info.value.fingerprint == bytes.fromhex("0123456789abcdef")
    assert "0123456789abcdef" in str(info.value)


def test_every_truncation_is_reported(good: bytes) -> None:
    for cut in range(len(good)):
        with pytest.raises(TruncatedMessage):
            serde.decode(good[:cut])


def test_trailing_bytes_are_corrupt(good: bytes) -> None:
    with pytest.raises(CorruptBody, match="trailing"):
        serde.decode(good + b"\x00")


def test_enum_index_out_of_range_is_corrupt(good: bytes) -> None:
    # event_id is a 36-char string (length byte 0x48), then the event_type enum index.
    offset = 10 + 1 + 36
    assert good[10] == 0x48
    data = good[:offset] + b"\x7e" + good[offset + 1 :]  # index 63 of 43 symbols
    with pytest.raises(CorruptBody):
        serde.decode(data)


def test_invalid_utf8_is_corrupt(good: bytes) -> None:
    data = good[:11] + b"\xff" + good[12:]
    with pytest.raises(CorruptBody):
        serde.decode(data)


def test_payload_branch_must_match_event_type(good: bytes) -> None:
    record = serde.to_avro(samples.sample_event(EventType.PupilLeft))
    sv = default_catalogue().current(EVENT)
    record["payload"] = ("uk.sendhub.PupilLeft", record["payload"])
    record["event_type"] = "Exclusion"  # a crafted writer that disagrees with itself
    out = io.BytesIO()
    out.write(b"\xc3\x01" + sv.fingerprint)
    schemaless_writer(out, sv.schema, record)
    with pytest.raises(CorruptBody, match="does not match"):
        serde.decode(out.getvalue())


def test_reader_that_cannot_read_the_writer(tmp_path: Path) -> None:
    def version(symbols: list[str]) -> dict[str, object]:
        enum = {"type": "enum", "name": "Colour", "symbols": symbols}
        return {
            "type": "record",
            "name": "Thing",
            "namespace": "t",
            "fields": [{"name": "c", "type": enum}],
        }

    (tmp_path / "thing").mkdir()
    (tmp_path / "thing" / "v1.avsc").write_text(json.dumps(version(["RED", "GREEN"])))
    (tmp_path / "thing" / "v2.avsc").write_text(json.dumps(version(["RED", "GREEN", "BLUE"])))
    local = Serde(load_catalogue(tmp_path))
    data = local.encode("thing", {"c": "BLUE"})
    assert local.decode(data).record == {"c": "BLUE"}
    with pytest.raises(ReaderMismatch):
        local.decode(data, reader_version=1)


def test_encode_rejects_a_record_that_does_not_fit() -> None:
    record = serde.to_avro(samples.sample_event(EventType.PupilLeft))
    with pytest.raises(EncodeError):
        serde.encode(EVENT, {**record, "event_type": "NoSuchEvent"})
    with pytest.raises(EncodeError):
        serde.encode(EVENT, {**record, "schema_version": "two"})
    del record["source"]
    with pytest.raises(EncodeError):
        serde.encode(EVENT, record)


def test_unknown_subject_and_version() -> None:
    with pytest.raises(UnknownSubject):
        serde.encode("no_such_subject", {})
    with pytest.raises(UnknownSubject):
        serde.encode(EVENT, {}, version=99)
    with pytest.raises(SchemaError):
        serde.from_avro({}, "no_such_subject")


def test_invalid_data_in_valid_bytes_is_a_validation_failure() -> None:
    record = serde.to_avro(samples.sample_event(EventType.SENSupportStarted))
    record["payload"]["needs"] = [{"need_type": "NSA", "rank": 0}]
    data = serde.encode(EVENT, record)  # Avro-valid: rank is just an int
    with pytest.raises(ValidationFailed) as info:
        serde.decode_model(data)
    assert info.value.field is not None and "needs" in info.value.field


def test_decode_event_refuses_other_subjects() -> None:
    with pytest.raises(DecodeError, match="expected an event"):
        serde.decode_event(serde.encode_model(samples.review_decision()))


def test_random_corruption_only_ever_raises_decode_errors(good: bytes) -> None:
    rng = random.Random(20250106)
    outcomes: set[str] = set()
    for _ in range(3000):
        data = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(10, len(data))] = rng.randrange(256)
        try:
            serde.decode_model(bytes(data[: rng.randint(10, len(data))]))
            outcomes.add("decoded")
        except (DecodeError, ValidationFailed) as exc:
            outcomes.add(type(exc).__name__)
    assert {"TruncatedMessage", "CorruptBody"} <= outcomes
