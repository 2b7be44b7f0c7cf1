"""``send-hub schemas check``: the repo's schemas pass; incompatible changes are caught.

Incompatible evolutions come from a fixture directory and from copies of the real schemas
edited in a temporary directory (a new required field, a removed enum symbol).
"""

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from hub.cli.main import main
from schemas.catalogue import AVRO_ROOT
from schemas.compat import check_compatibility

FIXTURES = Path(__file__).parent / "fixtures" / "incompatible"


def _shipped_checks() -> tuple[int, int]:
    """(version files, compatibility pairs) shipped: each newer version reads each older one."""
    counts = [len(list(d.glob("v*.avsc"))) for d in AVRO_ROOT.iterdir() if d.is_dir()]
    return sum(counts), sum(n * (n - 1) // 2 for n in counts)


def _add_event_v3(root: Path, edit: Any) -> None:
    """Copy the shipped schemas to ``root`` and add an event v3 = edit(v2)."""
    shutil.copytree(AVRO_ROOT, root, dirs_exist_ok=True)
    schema = json.loads((root / "event" / "v2.avsc").read_text())
    edit(schema)
    (root / "event" / "v3.avsc").write_text(json.dumps(schema))


def _named(node: Any, name: str) -> dict[str, Any]:
    """The definition of named type ``name`` inside a raw schema."""
    if isinstance(node, dict):
        if node.get("name") == name and node.get("type") in ("record", "enum"):
            return node
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            found = _named(item, name)
            if found:
                return found
    return {}


def test_repo_schemas_are_backward_transitive() -> None:
    report = check_compatibility()
    assert report.ok, [f.line() for f in report.failures]
    lines = [f.line() for f in report.findings]
    assert any("event v2 reads v1  backward compatible" in line for line in lines)
    assert sum("parses" in line for line in lines) == _shipped_checks()[0]


def test_fixture_required_field_without_default_is_caught() -> None:
    report = check_compatibility(FIXTURES)
    assert not report.ok
    failures = [f.text for f in report.failures]
    assert any("pupil v2 reads v1" in t and "year_group" in t for t in failures), failures


def test_transitive_only_incompatibility_is_caught() -> None:
    texts = {f.text.split("  ")[0]: f.ok for f in check_compatibility(FIXTURES).findings}
    assert texts["status v2 reads v1"] and texts["status v3 reads v2"]
    assert not texts["status v3 reads v1"]
    assert not any(t.startswith("catalogue") for t in texts)


def test_new_required_field_in_a_payload_is_caught(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        _named(schema, "AttendanceSummary")["fields"].append({"name": "term", "type": "string"})

    _add_event_v3(tmp_path, edit)
    report = check_compatibility(tmp_path)
    failures = [f.text for f in report.failures]
    assert any("event v3 reads v1" in t and "term" in t for t in failures), failures
    assert any("event v3 reads v2" in t for t in failures)


def test_removed_enum_symbol_is_caught(tmp_path: Path) -> None:
    def edit(schema: dict[str, Any]) -> None:
        _named(schema, "NeedType")["symbols"].remove("DS")

    _add_event_v3(tmp_path, edit)
    failures = [f.text for f in check_compatibility(tmp_path).failures]
    assert any("MISSING_ENUM_SYMBOLS" in t.upper() and "DS" in t for t in failures), failures


def test_unparsable_and_misnumbered_schemas_fail(tmp_path: Path) -> None:
    shutil.copytree(AVRO_ROOT, tmp_path, dirs_exist_ok=True)
    (tmp_path / "event" / "v4.avsc").write_text('{"type": "record", "name": "Event", "fields": [')
    failures = [f.text for f in check_compatibility(tmp_path).failures]
    assert any("event v4  does not parse" in t for t in failures), failures


def test_cli_check_passes_on_the_repo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "check"]) == 0
    out = capsys.readouterr().out
    assert "event v2 reads v1  backward compatible" in out
    assert f"all {sum(_shipped_checks())} schema checks passed" in out


def test_cli_check_fails_with_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "check", "--root", str(FIXTURES)]) != 0
    captured = capsys.readouterr()
    assert "FAIL  pupil v2 reads v1  INCOMPATIBLE" in captured.out
    assert captured.err.count("\n") == 1 and captured.err.startswith("send-hub: error:")


def test_cli_list_shows_fingerprints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "list"]) == 0
    out = capsys.readouterr().out
    assert "5574e627c08a558d  (current)" in out
    assert "9efe75639af53a78" in out
    assert "ab76007153f5f41f" in out
