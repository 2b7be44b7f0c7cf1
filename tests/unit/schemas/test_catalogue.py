"""The fingerprint catalogue: every version of every subject, found by CRC-64-AVRO."""

import json
import shutil
from pathlib import Path

import pytest

from hub.errors import SchemaError
from schemas.catalogue import (
    ALL_SUBJECTS,
    AVRO_ROOT,
    CONSENT_RECORD,
    EVENT,
    IDENTITY_REVIEW_DECISION,
    UnknownSubject,
    default_catalogue,
    load_catalogue,
)

_EMPTY = 0xC15D213AA4D7A795  # CRC-64-AVRO initial value, from the Avro specification


def _crc64_avro(data: bytes) -> int:
    """Reference CRC-64-AVRO (Rabin) straight from the specification, bit by bit."""
    fp = _EMPTY
    for byte in data:
        fp ^= byte
        for _ in range(8):
            fp = (fp >> 1) ^ (_EMPTY & -(fp & 1))
    return fp


def test_reference_crc_matches_the_spec_value_for_null() -> None:
    # Java SchemaNormalization.parsingFingerprint64 of the "null" schema.
    assert _crc64_avro(b'"null"') == 7195948357588979594


def test_every_version_is_catalogued_under_its_fingerprint() -> None:
    catalogue = default_catalogue()
    assert catalogue.subjects() == sorted(d.name for d in AVRO_ROOT.iterdir() if d.is_dir())
    assert set(ALL_SUBJECTS) <= set(catalogue.subjects())
    assert [sv.version for sv in catalogue.versions(EVENT)] == [1, 2, 3]
    assert len(catalogue) == len(list(AVRO_ROOT.glob("*/v*.avsc")))
    for sv in catalogue:
        expected = _crc64_avro(sv.canonical.encode()).to_bytes(8, "little")
        assert sv.fingerprint == expected
        assert catalogue.by_fingerprint(sv.fingerprint) is sv


def test_current_versions() -> None:
    catalogue = default_catalogue()
    assert catalogue.current(EVENT).version == 3
    assert catalogue.current(CONSENT_RECORD).name == "uk.sendhub.ConsentRecord"
    assert catalogue.current(IDENTITY_REVIEW_DECISION).name == "uk.sendhub.IdentityReviewDecision"
    assert catalogue.get(EVENT, 1).path.name == "v1.avsc"
    assert catalogue.get(EVENT) is catalogue.current(EVENT)


def test_unknown_subject_or_version() -> None:
    with pytest.raises(UnknownSubject):
        default_catalogue().current("nope")
    with pytest.raises(UnknownSubject):
        default_catalogue().get(EVENT, 4)
    assert default_catalogue().by_fingerprint(bytes(8)) is None


def test_docs_do_not_change_fingerprints(tmp_path: Path) -> None:
    shutil.copytree(AVRO_ROOT, tmp_path, dirs_exist_ok=True)
    path = tmp_path / EVENT / "v1.avsc"
    schema = json.loads(path.read_text())
    schema["doc"] = "reworded"
    path.write_text(json.dumps(schema))
    edited = load_catalogue(tmp_path).get(EVENT, 1)
    assert edited.fingerprint == default_catalogue().get(EVENT, 1).fingerprint


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(AVRO_ROOT, tmp_path, dirs_exist_ok=True)
    return tmp_path


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("v5.avsc", '{"type": "record", "name": "uk.sendhub.Event", "fields": []}', "versions"),
        ("latest.avsc", "{}", "v<N>.avsc"),
        ("v4.avsc", "{not json", "cannot read"),
        ("v4.avsc", '{"type": "record", "name": "Event", "fields": [{"name": "x"}]}', "invalid"),
        ("v4.avsc", '{"type": "record", "name": "Renamed", "fields": []}', "renamed"),
        ("v4.avsc", '"string"', "must be a record"),
    ],
)
def test_bad_schema_files_are_schema_errors(
    tmp_path: Path, name: str, text: str, match: str
) -> None:
    root = _copy(tmp_path)
    (root / EVENT / name).write_text(text)
    with pytest.raises(SchemaError, match=match):
        load_catalogue(root)


def test_two_identical_versions_are_refused(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    shutil.copy(root / EVENT / "v3.avsc", root / EVENT / "v4.avsc")
    with pytest.raises(SchemaError, match="same canonical schema"):
        load_catalogue(root)


def test_missing_root_is_a_schema_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no schema directory"):
        load_catalogue(tmp_path / "absent")
