"""The Quix peer's standalone decoder reads what the project's serde reads.

``bench/peer_quix.py`` runs in ``.venv-peers`` without the project, so it does the
single-object decode itself with fastavro; for its figure to be the same job, it must find the
same writer schema and give the same record as ``schemas.serde`` for current and old bytes.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from hub.models import EventType
from schemas import serde
from schemas.catalogue import AVRO_ROOT, EVENT
from tests.unit.models import samples

_JOB = Path(__file__).resolve().parents[3] / "bench" / "peer_quix.py"


def _peer_quix() -> ModuleType:
    """bench/ is not a package: load the job script by path (quixstreams is not imported)."""
    spec = importlib.util.spec_from_file_location("peer_quix", _JOB)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PEER = _peer_quix()
DECODER = PEER.SingleObjectDecoder(AVRO_ROOT)


def test_the_header_constants_are_the_serdes() -> None:
    assert (PEER.MARKER, PEER.HEADER_SIZE) == (serde.MARKER, serde.HEADER_SIZE)


@pytest.mark.parametrize(
    "event_type",
    [EventType.PupilLeft, EventType.AttendanceSummary, EventType.CPPlanStarted],
    ids=str,
)
def test_current_and_old_bytes_decode_as_the_serde_decodes_them(event_type: EventType) -> None:
    event = samples.sample_event(event_type)
    for writer in (1, 2, 3):
        data = serde.encode(
            EVENT, serde.to_avro(event.model_copy(update={"schema_version": writer})), writer
        )
        assert DECODER.decode(data) == serde.decode(data).record


def test_every_catalogued_schema_has_its_fingerprint() -> None:
    catalogued = {sv.fingerprint for sv in serde.default_serde().catalogue}
    assert set(DECODER.plans) == catalogued


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"\x00\x01" + bytes(8), "marker"), (serde.MARKER + bytes(8), "fingerprint")],
)
def test_bytes_the_serde_refuses_are_refused(data: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        DECODER.decode(data)
    with pytest.raises(serde.BadMarker if problem == "marker" else serde.UnknownFingerprint):
        serde.decode(data)


def test_trailing_bytes_are_refused() -> None:
    data = serde.encode_model(samples.sample_event(EventType.PupilLeft)) + b"\x00"
    with pytest.raises(ValueError, match="trailing"):
        DECODER.decode(data)
