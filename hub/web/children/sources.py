"""A child's record per source: what each source system says about the child, and how matched.

Built from the child's visible entries: per source person (``src:...`` key), demographics and
identifiers from the most recently recorded entry, the match of that entry, first and last
event dates, how many entries, and every data-quality flag intake raised on them.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from hub.models import TimelineEntry
from hub.models.timeline import EntryFlag
from hub.web.children.views import SourceRecord
from hub.web.readmodel.projection import source_key

__all__ = ["source_records"]


@dataclass
class _Acc:
    latest: TimelineEntry
    first_seen: datetime
    last_seen: datetime
    count: int = 0
    flags: set[EntryFlag] = field(default_factory=set)

    def add(self, entry: TimelineEntry) -> None:
        occurred = entry.event.occurred_at
        self.first_seen = min(self.first_seen, occurred)
        self.last_seen = max(self.last_seen, occurred)
        self.count += 1
        self.flags.update(entry.flags)
        if entry.event.recorded_at > self.latest.event.recorded_at:
            self.latest = entry


def _record(key: str, acc: _Acc) -> SourceRecord:
    event = acc.latest.event
    src, sub = event.source, event.subject
    return SourceRecord(
        source_key=key, agency_kind=src.agency_kind, org_code=src.org_code, system=src.system,
        source_person_id=sub.source_person_id, given_name=sub.given_name,
        family_name=sub.family_name, date_of_birth=sub.date_of_birth, sex=sub.sex,
        postcode=sub.postcode, nhs_number=sub.nhs_number,
        nhs_number_verified=sub.nhs_number_verified, upn=sub.upn,
        first_seen=acc.first_seen, last_seen=acc.last_seen, entries=acc.count,
        match=acc.latest.provenance.match, flags=sorted(acc.flags),
    )  # fmt: skip


def source_records(entries: Iterable[TimelineEntry]) -> list[SourceRecord]:
    """One record per source person, ordered by agency kind then source key."""
    accs: dict[str, _Acc] = {}
    for entry in entries:
        key = source_key(entry)
        occurred = entry.event.occurred_at
        acc = accs.setdefault(key, _Acc(latest=entry, first_seen=occurred, last_seen=occurred))
        acc.add(entry)
    ordered = sorted(accs.items(), key=lambda kv: (kv[1].latest.event.source.agency_kind, kv[0]))
    return [_record(key, acc) for key, acc in ordered]
