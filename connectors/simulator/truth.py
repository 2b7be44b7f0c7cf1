"""Ground truth for measuring identity matching, and linkage files built from what was sent.

``ground_truth.csv`` has one row per source person record that appears in any feed:

    agency_kind,source,source_system,org_code,source_person_id,child_id

``agency_kind`` is the contract's (EDUCATION, HEALTH, SOCIAL_CARE, LOCAL_AUTHORITY),
``source`` the ``send-hub publish --source`` kind, and ``(source_system, org_code,
source_person_id)`` equals an event's ``source.system``, ``source.org_code`` and
``subject.source_person_id``, so every published event maps to its true ``child_id``.
Two records of one child share a child_id (also two records in one system: duplicates).

``linkage/<source>.csv`` (bulk-linkage format of docs/contracts.md) has one row per distinct set
of demographics a source record was sent with; ``linkage/truth.csv`` maps its
``record_id`` to ``child_id``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from connectors.simulator.sources import Demographics, Registry, SourcePerson
from hub.identity.records import CSV_COLUMNS

__all__ = ["GROUND_TRUTH_COLUMNS", "LINKAGE_COLUMNS", "write_ground_truth", "write_linkage"]

GROUND_TRUTH_COLUMNS = (
    "agency_kind",
    "source",
    "source_system",
    "org_code",
    "source_person_id",
    "child_id",
)
# The bulk-linkage CSV contract (docs/contracts.md), owned by the matcher.
LINKAGE_COLUMNS = CSV_COLUMNS
_KIND = {
    "school": ("EDUCATION", "school"),
    "health": ("HEALTH", "health"),
    "social_care": ("SOCIAL_CARE", "social-care"),
    "sen_case": ("LOCAL_AUTHORITY", "sen-case"),
}


def _sent(registry: Registry) -> list[SourcePerson]:
    return [p for p in registry.all() if p.emitted]


def write_ground_truth(registry: Registry, path: Path) -> int:
    """Write the source-record -> child table; returns the number of rows."""
    people = _sent(registry)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(GROUND_TRUTH_COLUMNS)
        for p in people:
            kind, source = _KIND[p.kind]
            writer.writerow([kind, source, p.system, p.org, p.person_id, p.child.child_id])
    return len(people)


def _row(record_id: str, person: SourcePerson, demo: Demographics) -> list[str]:
    given = (
        demo.preferred_name if person.kind == "school" and demo.preferred_name else demo.given_name
    )
    return [
        record_id,
        given,
        demo.family_name,
        demo.dob.isoformat(),
        demo.sex,
        demo.address.postcode,
        demo.address.text,
        demo.nhs_number,
        demo.upn,
        person.person_id,
    ]


def _variants(person: SourcePerson) -> list[Demographics]:
    # Sets have no stable order across runs; sort for byte-identical output.
    return sorted(person.emitted, key=lambda d: repr(d))


def write_linkage(registry: Registry, folder: Path) -> list[Path]:
    """Per-source linkage CSVs plus ``truth.csv``; returns the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    handles, writers = {}, {}
    truth_path = folder / "truth.csv"
    with truth_path.open("w", newline="", encoding="utf-8") as truth_file:
        truth = csv.writer(truth_file, lineterminator="\n")
        truth.writerow(("record_id", "child_id"))
        for person in _sent(registry):
            if person.kind not in writers:
                handles[person.kind] = (folder / f"{_KIND[person.kind][1]}.csv").open(
                    "w", newline="", encoding="utf-8"
                )
                writers[person.kind] = csv.writer(handles[person.kind], lineterminator="\n")
                writers[person.kind].writerow(LINKAGE_COLUMNS)
            for n, demo in enumerate(_variants(person), start=1):
                record_id = f"{person.kind}:{person.system}:{person.org}:{person.person_id}:{n}"
                writers[person.kind].writerow(_row(record_id, person, demo))
                truth.writerow((record_id, person.child.child_id))
    for handle in handles.values():
        handle.close()
    return [truth_path, *(folder / f"{_KIND[k][1]}.csv" for k in sorted(handles))]
