"""Timeline reads with consent enforcement for a child with 5,000 entries, next to the same
reads without enforcement, in one run.

Run ``.venv/bin/python bench/access.py [--entries 5000] [--pages 200] [--full 20]``. It builds
a read model (SQLite, as the web service keeps it) holding one child with ``--entries``
entries from a school, the LA (an open EHC needs assessment), a health trust and social care
(weekly attendance most of them), and reads as the LA's EHC coordinator on the statutory EHC
duty. Two reads are timed, each ``with`` enforcement (the web service's read path: the child's
relationships folded from the stored marks, its consent records, one decision per entry)
and ``without`` (the same SQL, parsing and response items with every entry shown in full):

* ``first page``: the first 50 entries of the timeline (what the child page shows);
* ``full read``: every entry, in pages of 500.

It prints p50 and p99 in milliseconds and the ratio with/without. Figures only: nothing here
is a pass/fail test.
"""

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hub.auth import Caller, OrgKind, Role
from hub.consent import Decision, Outcome
from hub.files.policy import load_policy
from hub.models import (
    AgencyKind,
    AttendanceSummary,
    DataCategory,
    Diagnosis,
    EHCNARequested,
    HealthReferralMade,
    HealthService,
    IdentityLink,
    MatchInfo,
    PayloadModel,
    Provenance,
    PupilEnrolled,
    Purpose,
    S47Started,
    SENProvision,
    SENSupportStarted,
    Source,
    Subject,
    TimelineEntry,
    Urgency,
    build_event,
)
from hub.timeline.summary import summarise
from hub.web.children import reads
from hub.web.children.access import AccessRules
from hub.web.children.views import TimelineItem, timeline_item
from hub.web.readmodel import queries as q
from hub.web.readmodel import store
from hub.web.readmodel.projection import apply_entry, apply_link

__all__ = ["main"]

CHILD = "C00000000be01"
START = datetime(2016, 9, 5, 9, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
SUBJECT = Subject(source_person_id="P-1", nhs_number="9434765919", given_name="Ada",
                  family_name="Example", date_of_birth=date(2012, 3, 1))  # fmt: skip
_ORGS = {AgencyKind.EDUCATION: "119000", AgencyKind.LOCAL_AUTHORITY: "888",
         AgencyKind.HEALTH: "RXN", AgencyKind.SOCIAL_CARE: "888"}  # fmt: skip
_ALL = Decision(Outcome.ALLOW, DataCategory.EDU, None, "no enforcement")


def _payload(i: int, day: date) -> PayloadModel:
    """Mostly weekly attendance, with the other agencies' events mixed in."""
    kinds: list[PayloadModel] = [
        PupilEnrolled(urn="119000", entry_date=day),
        SENSupportStarted(urn="119000", start_date=day, provision=SENProvision.K),
        EHCNARequested(received_date=day),
        HealthReferralMade(referral_id=f"R{i}", service=HealthService.SALT, referral_date=day,
                           urgency=Urgency.ROUTINE),
        Diagnosis(snomed_code="408856003", display="Autistic disorder", diagnosis_date=day),
        S47Started(enquiry_id=f"S{i}", start_date=day),
    ]  # fmt: skip
    if i < len(kinds):
        return kinds[i]
    if i % 25 == 0:
        return kinds[3 + (i // 25) % 3]
    return AttendanceSummary(urn="119000", week_start=day, possible_sessions=10,
                             attended_sessions=9, authorised_absence_sessions=1,
                             unauthorised_absence_sessions=0, persistent_absence=False)  # fmt: skip


def _entry(i: int) -> TimelineEntry:
    at = START + timedelta(days=i // 2)
    payload = _payload(i, at.date())
    kind = {"Pupil": AgencyKind.EDUCATION, "Atten": AgencyKind.EDUCATION,
            "SENSu": AgencyKind.EDUCATION, "EHCNA": AgencyKind.LOCAL_AUTHORITY,
            "Healt": AgencyKind.HEALTH, "Diagn": AgencyKind.HEALTH,
            "S47St": AgencyKind.SOCIAL_CARE}[type(payload).__name__[:5]]  # fmt: skip
    source = Source(agency_kind=kind, org_code=_ORGS[kind], system="SYS",
                    source_record_id=f"r{i}", record_version=1)  # fmt: skip
    event = build_event(payload, source=source, subject=SUBJECT, occurred_at=at,
                        recorded_at=at + timedelta(hours=1), case_id="EHC-1")  # fmt: skip
    match = MatchInfo(outcome="LINK_IDENTIFIER", rule="nhs_number")
    return TimelineEntry(
        entry_id=event.event_id, child_id=CHILD, event=event,
        summary=summarise(event.event_type.value, payload.model_dump(mode="json")),
        provenance=Provenance(event_id=event.event_id, topic="send.ingest", partition=0,
                              offset=i, match=match),
        published_at=at + timedelta(hours=2),
    )  # fmt: skip


def _build(path: Path, entries: int) -> None:
    conn = store.connect(path)
    with store.transaction(conn):
        for i in range(entries):
            apply_entry(conn, _entry(i))
        apply_link(conn, IdentityLink(key="nhs:9434765919", child_id=CHILD, kind="LINK",
                                      match=MatchInfo(outcome="LINK_IDENTIFIER", rule="nhs"),
                                      at=START))  # fmt: skip
    conn.close()


def _plain(conn: store.sqlite3.Connection, limit: int, cursor: str | None) -> tuple[
    list[TimelineItem], str | None
]:  # fmt: skip
    """The same page without enforcement: resolve, SQL, parse, every item in full."""
    after = q.decode_cursor(cursor) if cursor else None
    _, members = reads.resolve_child(conn, CHILD)
    rows = q.timeline_rows(conn, members, q.TimelineFilter(), after, limit + 1)  # type: ignore[arg-type]
    items = [
        timeline_item(TimelineEntry.model_validate_json(r["body"]), _ALL) for r in rows[:limit]
    ]
    last = rows[limit - 1] if len(rows) > limit else None
    key = (last["occurred_ms"], last["recorded_ms"], last["entry_id"]) if last else None
    return items, q.encode_cursor(key) if key else None


_Page = tuple[list[TimelineItem], str | None]


def _enforced(
    conn: store.sqlite3.Connection, limit: int, cursor: str | None, caller: Caller,
    rules: AccessRules,
) -> _Page:  # fmt: skip
    page, _ = reads.timeline(conn, CHILD, q.TimelineFilter(), limit, cursor, caller, NOW, rules)
    return page.items, page.next_cursor


def _read_all(page: Callable[[str | None], tuple[list[TimelineItem], str | None]]) -> int:
    count, cursor = 0, None
    while True:
        items, cursor = page(cursor)
        count += len(items)
        if cursor is None:
            return count


def _times(op: Callable[[], object], n: int) -> list[float]:
    found = []
    for _ in range(n):
        started = time.perf_counter()
        op()
        found.append((time.perf_counter() - started) * 1000)
    return found


def _row(name: str, with_ms: list[float], without_ms: list[float]) -> None:
    def p(values: list[float], pct: int) -> float:
        return statistics.quantiles(values, n=100)[pct - 1] if len(values) > 1 else values[0]

    w50, w99, o50, o99 = p(with_ms, 50), p(with_ms, 99), p(without_ms, 50), p(without_ms, 99)
    print(f"{name:<11} with enforcement p50 {w50:8.1f} ms  p99 {w99:8.1f} ms   "
          f"without p50 {o50:8.1f} ms  p99 {o99:8.1f} ms   ratio p50 {w50 / o50:4.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--pages", type=int, default=200, help="first-page reads to time")
    parser.add_argument("--full", type=int, default=20, help="full reads to time")
    args = parser.parse_args()
    caller = Caller(subject="bench", org="888", org_kind=OrgKind.LOCAL_AUTHORITY,
                    role=Role.EHC_COORD, purpose=Purpose.STATUTORY_EHC)  # fmt: skip
    rules = AccessRules(load_policy())
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        _build(path, args.entries)
        conn = store.connect(path, read_only=True)
        shown = _read_all(lambda c: _enforced(conn, 500, c, caller, rules))
        print(f"child with {args.entries} entries; the EHC coordinator is shown {shown} "
              f"(the rest withheld: child protection)")  # fmt: skip
        first_with = _times(lambda: _enforced(conn, 50, None, caller, rules), args.pages)
        first_without = _times(lambda: _plain(conn, 50, None), args.pages)
        _row("first page", first_with, first_without)
        full_with = _times(lambda: _read_all(lambda c: _enforced(conn, 500, c, caller, rules)),
                           args.full)  # fmt: skip
        full_without = _times(lambda: _read_all(lambda c: _plain(conn, 500, c)), args.full)
        _row("full read", full_with, full_without)
        conn.close()


if __name__ == "__main__":
    main()
