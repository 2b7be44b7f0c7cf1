"""The caller-aware read path: search, a child's record, a timeline page.

Each function takes the `Caller`, ``now`` and the service's `AccessRules`, and decides every
entry it returns with the consent policy (`hub.web.children.access`). A child whose identity
the caller may not see answers exactly as an unknown child: no search hit, 404 for the
record and the timeline. Paging keeps pulling rows until a page of *visible* entries is
full, so a filtered page is never short while more exist; each response says how many
entries were withheld, by reason class.
"""

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from hub.auth import Caller
from hub.consent import Decision
from hub.errors import HubError
from hub.identifiers import normalise_nhs_number, normalise_upn
from hub.models import AgencyKind, IdentityLink, TimelineEntry
from hub.web.children.access import AccessRules, ChildAccess, Tally, child_access
from hub.web.children.sources import source_records
from hub.web.children.views import (
    ChildRecord,
    ChildSummary,
    LinkView,
    SearchResult,
    TimelinePage,
    access_view,
    timeline_item,
)
from hub.web.clocks.alerts import child_alerts
from hub.web.clocks.reads import child_clocks
from hub.web.readmodel import queries as q
from hub.web.readmodel.projection import family_key, given_key

__all__ = [
    "ChildNotFound",
    "SearchQuery",
    "child_record",
    "may_see_child",
    "open_child",
    "resolve_child",
    "search",
    "timeline",
]

MAX_RESULTS = 50
_CHILD_ID = re.compile(r"^C[0-9a-f]{12}$")


class ChildNotFound(HubError):
    """No child with this id in the read model."""


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a caseworker searched by; empty strings count as not given."""

    nhs_number: str | None = None
    upn: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None

    def kinds(self) -> list[str]:
        """Which criteria were given (for the audit record: never their values)."""
        return [name for name in self.__slots__ if getattr(self, name)]


def _candidates(conn: sqlite3.Connection, query: SearchQuery) -> list[set[str]]:
    sets: list[set[str]] = []
    if query.nhs_number:
        nhs = normalise_nhs_number(query.nhs_number)
        if nhs is None:
            raise q.QueryError("nhs_number is not a valid NHS number")
        sets.append(q.children_by_identifier(conn, "nhs", nhs))
    if query.upn:
        upn = normalise_upn(query.upn)
        if upn is None:
            raise q.QueryError("upn is not a valid unique pupil number")
        sets.append(q.children_by_identifier(conn, "upn", upn))
    if query.family_name or query.given_name or query.date_of_birth:
        family = family_key(query.family_name)
        if family is None or query.date_of_birth is None:
            raise q.QueryError("a name search needs family_name and date_of_birth")
        given = given_key(query.given_name)
        sets.append(q.children_by_name(conn, family, query.date_of_birth, given))
    if not sets:
        raise q.QueryError("search by nhs_number, upn, or family_name with date_of_birth")
    return sets


def _visible_newest_first(
    conn: sqlite3.Connection, members: list[str], access: ChildAccess, tally: Tally
) -> Iterator[TimelineEntry]:
    marks = ",".join("?" * len(members))
    rows = conn.execute(
        f"SELECT body FROM entries WHERE child_id IN ({marks}) ORDER BY recorded_ms DESC",
        members,
    )
    for row in rows:
        entry = TimelineEntry.model_validate_json(row["body"])
        decision = access.decide(entry)
        tally.add(decision)
        if decision.allowed:
            yield entry


def _summary(
    conn: sqlite3.Connection, child: str, caller: Caller, now: datetime, rules: AccessRules
) -> ChildSummary | None:
    members = q.members_of(conn, child)
    access = child_access(conn, child, members, caller, now, rules)
    if not access.identity.allowed:
        return None  # exactly as for a child the hub does not know
    latest = next(_visible_newest_first(conn, members, access, Tally()), None)
    subject = latest.event.subject if latest is not None else None
    return ChildSummary(
        child_id=child, given_name=subject.given_name if subject else None,
        family_name=subject.family_name if subject else None,
        date_of_birth=subject.date_of_birth if subject else None,
        agencies=[AgencyKind(a) for a in q.agencies_of(conn, members)],
    )  # fmt: skip


def search(
    conn: sqlite3.Connection, query: SearchQuery, caller: Caller, now: datetime,
    rules: AccessRules,
) -> tuple[SearchResult, int]:  # fmt: skip
    """Children matching every criterion given whom the caller may see, as survivors of any
    merges; and how many matching children were hidden (for the audit, never the response)."""
    sets = [{q.survivor_of(conn, c) for c in found} for found in _candidates(conn, query)]
    children = sorted(set.intersection(*sets))
    results = [s for c in children[:MAX_RESULTS] if (s := _summary(conn, c, caller, now, rules))]
    hidden = min(len(children), MAX_RESULTS) - len(results)
    truncated = len(children) > MAX_RESULTS and bool(results)
    return SearchResult(results=results, truncated=truncated), hidden


def resolve_child(conn: sqlite3.Connection, child_id: str) -> tuple[str, list[str]]:
    """(survivor, all member ids) of a child id; unknown ids are ChildNotFound."""
    if not _CHILD_ID.match(child_id) or not q.exists(conn, child_id):
        raise ChildNotFound(f"no child {child_id!r}")
    survivor = q.survivor_of(conn, child_id)
    return survivor, q.members_of(conn, survivor)


def open_child(
    conn: sqlite3.Connection, child_id: str, caller: Caller, now: datetime, rules: AccessRules
) -> tuple[str, list[str], ChildAccess]:
    """(survivor, members, decisions) of a child the caller may see; any other child id, known
    or not, is ChildNotFound with the same message."""
    survivor, members = resolve_child(conn, child_id)
    access = child_access(conn, survivor, members, caller, now, rules)
    if not access.identity.allowed:
        raise ChildNotFound(f"no child {child_id!r}")
    return survivor, members, access


def may_see_child(
    conn: sqlite3.Connection, child_id: str, caller: Caller, now: datetime, rules: AccessRules
) -> bool:
    """Whether the caller may see this child's identity (unknown children: no)."""
    try:
        open_child(conn, child_id, caller, now, rules)
    except ChildNotFound:
        return False
    return True


def child_record(
    conn: sqlite3.Connection, child_id: str, caller: Caller, now: datetime, rules: AccessRules
) -> tuple[ChildRecord, Tally]:
    """The child's identifiers and demographics per source (from the entries the caller may
    see), links and merged-in ids; and what the read showed and withheld."""
    survivor, members, access = open_child(conn, child_id, caller, now, rules)
    tally = Tally()
    entries = list(_visible_newest_first(conn, members, access, tally))
    links = [IdentityLink.model_validate_json(row["body"]) for row in q.links_of(conn, members)]
    record = ChildRecord(
        child_id=survivor, requested_id=child_id,
        merged_from=[m for m in members if m != survivor],
        sources=source_records(entries),
        identifiers=[LinkView.model_validate(link, from_attributes=True) for link in links],
        purpose=caller.purpose, access=access_view(access.identity),
        withheld=dict(tally.by_reason),
        clocks=child_clocks(survivor, entries, now),
        alerts=child_alerts(conn, members, caller),
    )  # fmt: skip
    return record, tally


def _visible_after(
    conn: sqlite3.Connection, members: list[str], flt: q.TimelineFilter,
    after: q.CursorKey | None, access: ChildAccess, tally: Tally, batch: int,
) -> Iterator[tuple[q.CursorKey, TimelineEntry, Decision]]:  # fmt: skip
    while True:
        rows = q.timeline_rows(conn, members, flt, after, batch)
        for row in rows:
            after = (row["occurred_ms"], row["recorded_ms"], row["entry_id"])
            entry = TimelineEntry.model_validate_json(row["body"])
            decision = access.decide(entry)
            tally.add(decision)
            if decision.allowed:
                yield after, entry, decision
        if len(rows) < batch:
            return


def timeline(
    conn: sqlite3.Connection, child_id: str, flt: q.TimelineFilter, limit: int,
    cursor: str | None, caller: Caller, now: datetime, rules: AccessRules,
) -> tuple[TimelinePage, Tally]:  # fmt: skip
    """One page of the child's timeline after ``cursor``, in timeline order, each entry with
    its basis; and what the read showed and withheld."""
    after = cast(q.CursorKey, q.decode_cursor(cursor)) if cursor else None
    survivor, members, access = open_child(conn, child_id, caller, now, rules)
    page: list[tuple[q.CursorKey, TimelineEntry, Decision]] = []
    more, tally = False, Tally()
    for item in _visible_after(conn, members, flt, after, access, tally, limit + 1):
        if len(page) == limit:
            more = True
            break
        page.append(item)
    next_cursor = q.encode_cursor(page[-1][0]) if more else None
    items = [timeline_item(entry, decision) for _, entry, decision in page]
    result = TimelinePage(child_id=survivor, items=items, limit=limit, next_cursor=next_cursor,
                          purpose=caller.purpose, withheld=dict(tally.by_reason))  # fmt: skip
    return result, tally
