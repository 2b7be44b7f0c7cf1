"""Ground truth of the EHC journeys: every LA milestone the simulator delivered, with its dates.

``ehc_truth.csv`` has one row per milestone record that reached a feed (duplicates once):

    child_id,la,case_ref,request_id,activity_id,activity,activity_date,received_date,
    due_date,advice_id,advice_type,exception_20_week,exception

so KPIs computed by the hub from the published events can be checked against what was
generated: e.g. plans finalised in a month (``FINAL`` rows with a ``request_id``) and whether
``activity_date - received_date`` is at most 140 days.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from connectors.simulator.journeys import SimRecord

__all__ = ["EHC_TRUTH_COLUMNS", "write_ehc_truth"]

EHC_TRUTH_COLUMNS = (
    "child_id",
    "la",
    "case_ref",
    "request_id",
    "activity_id",
    "activity",
    "activity_date",
    "received_date",
    "due_date",
    "advice_id",
    "advice_type",
    "exception_20_week",
    "exception",
)
_FIELDS = ("Case Ref", "Request ID", "Activity ID", "Activity", "Activity Date", "Received Date",
           "Due Date", "Advice ID", "Advice Type", "Exception20Week", "Exception")  # fmt: skip


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def write_ehc_truth(records: Iterable[SimRecord], path: Path) -> int:
    """Write the delivered LA milestones (each once, in activity-id order); returns the rows."""
    seen: dict[str, SimRecord] = {}
    for record in records:
        if record.source == "sen_case":
            seen.setdefault(str(record.fields["Activity ID"]), record)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(EHC_TRUTH_COLUMNS)
        for key in sorted(seen):
            record = seen[key]
            row = [record.child.child_id, record.child.la]
            writer.writerow(row + [_text(record.fields.get(f)) for f in _FIELDS])
    return len(seen)
