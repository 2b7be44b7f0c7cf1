"""The simulator: deterministic output, valid identifiers, publishable records, complete truth."""

import csv
import filecmp
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.errors import InputError
from hub.identifiers import is_valid_nhs_number, is_valid_upn
from hub.models import Event


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(400, 120, 7, out, linkage=True)
    return out


@pytest.fixture(scope="module")
def events(sim: Path) -> list[Event]:
    collected: list[Event] = []
    run = publish_simulation(sim, collected.append)
    assert run.rejected == 0, (sim / "rejects.csv").read_text()
    return collected


def _same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def test_same_seed_gives_byte_identical_output(sim: Path, tmp_path: Path) -> None:
    simulate(400, 120, 7, tmp_path / "again", linkage=True)
    assert _same_tree(sim, tmp_path / "again")
    simulate(400, 120, 8, tmp_path / "other")
    assert not filecmp.cmp(sim / "ground_truth.csv", tmp_path / "other" / "ground_truth.csv")


def test_every_agency_kind_and_many_event_types_are_published(events: list[Event]) -> None:
    kinds = Counter(e.source.agency_kind.value for e in events)
    assert set(kinds) == {"EDUCATION", "HEALTH", "SOCIAL_CARE", "LOCAL_AUTHORITY"}
    types = {e.event_type.value for e in events}
    assert {"AttendanceSummary", "PupilEnrolled", "EHCFinalIssued", "SENSupportStarted"} <= types
    assert len(types) >= 15


def test_identifiers_in_the_feeds_are_valid(events: list[Event]) -> None:
    nhs = [e.subject.nhs_number for e in events if e.subject.nhs_number]
    upns = [e.subject.upn for e in events if e.subject.upn]
    assert nhs and all(is_valid_nhs_number(n) for n in nhs)
    assert upns and all(is_valid_upn(u) for u in upns)


def test_school_data_often_lacks_the_nhs_number(events: list[Event]) -> None:
    school = [e for e in events if e.source.agency_kind.value == "EDUCATION"]
    missing = sum(1 for e in school if not e.subject.nhs_number)
    assert missing / len(school) > 0.5


def test_ground_truth_names_the_child_of_every_event(sim: Path, events: list[Event]) -> None:
    with (sim / "ground_truth.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    truth = {
        (r["source_system"], r["org_code"], r["source_person_id"]): r["child_id"] for r in rows
    }
    for event in events:
        key = (event.source.system, event.source.org_code, event.subject.source_person_id)
        assert key in truth
    # One child is known to several agencies under different local ids.
    per_child = Counter(truth.values())
    assert max(per_child.values()) >= 3


def test_duplicate_sends_reuse_event_ids(events: list[Event]) -> None:
    counts = Counter(e.event_id for e in events)
    assert any(n > 1 for n in counts.values())


def test_linkage_files_use_the_bulk_linkage_columns(sim: Path) -> None:
    header = (sim / "linkage" / "school.csv").read_text().splitlines()[0]
    assert header == (
        "record_id,given_name,family_name,date_of_birth,sex,postcode,address,"
        "nhs_number,upn,local_id"
    )
    assert (sim / "linkage" / "truth.csv").read_text().startswith("record_id,child_id\n")


def test_history_goes_to_its_own_sink_and_the_live_part_to_the_paced_one(
    sim: Path, events: list[Event]
) -> None:
    with (sim / "manifest.csv").open(newline="") as handle:
        days = sorted({row["delivered"][:10] for row in csv.DictReader(handle)})
    live_from = date.fromisoformat(days[len(days) // 2])
    history: list[Event] = []
    live: list[Event] = []
    publish_simulation(sim, live.append, rejects=sim / "split-rejects.csv",
                       live_from=live_from, history_sink=history.append)  # fmt: skip
    assert history and live
    assert [e.event_id for e in history + live] == [e.event_id for e in events]  # same order
    assert max(e.recorded_at.date() for e in history) < live_from


def test_a_manifest_row_without_a_delivery_date_is_one_clear_error(
    sim: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(sim, broken)
    manifest = broken / "manifest.csv"
    lines = manifest.read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("delivered")] = "someday"
    manifest.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    with pytest.raises(InputError, match="no delivery date"):
        publish_simulation(broken, lambda _e: None, live_from=date(2025, 1, 1),
                           history_sink=lambda _e: None)  # fmt: skip


def test_households_have_siblings_and_twins() -> None:
    from connectors.simulator.world import build_world

    world = build_world(2000, 30, 7, date(2025, 9, 1), families=True)
    homes: dict[tuple[str, str], list] = {}
    for child in world.children:
        key = (child.surnames[0][1], child.addresses[0][1].text)
        homes.setdefault(key, []).append(child)
    families = [kids for kids in homes.values() if len(kids) > 1]
    twins = [
        (a, b) for kids in families for a in kids for b in kids
        if a.child_id < b.child_id and a.dob == b.dob
    ]  # fmt: skip
    assert len(families) > 200 and len(twins) > 20
    assert all(a.given_name != b.given_name for a, b in twins)
    assert all(a.nhs_number != b.nhs_number for a, b in twins if a.nhs_number and b.nhs_number)
