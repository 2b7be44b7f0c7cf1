"""The JSON API under ``/api``: child search, a child's record, a child's timeline.

Every route needs a caller (a router dependency answers 401 otherwise), runs
the caller-aware read path, and audits what it returned: one record per child read.
"""

import sqlite3
from collections import Counter
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from hub.auth import Caller
from hub.models import AuditAction
from hub.web.children import reads
from hub.web.children.access import Tally
from hub.web.children.filters import MAX_LIMIT, timeline_filter
from hub.web.children.views import ChildRecord, ErrorBody, SearchResult, TimelinePage
from hub.web.context import ApiCaller, Db, State, WebState, api_caller
from hub.web.security.search import SearchRequest
from hub.web.sinks.audit import audit_record

__all__ = ["audit_search", "router"]

_ERRORS = {
    400: {"model": ErrorBody, "description": "The request cannot be answered as asked."},
    401: {"model": ErrorBody, "description": "No token, or the token is not valid."},
}
# Authentication is a dependency of the router: no route under it answers without a caller.
router = APIRouter(prefix="/api", tags=["children"], responses=_ERRORS,  # type: ignore[arg-type]
                   dependencies=[Depends(api_caller)])  # fmt: skip

ChildId = Annotated[str, Path(description="Hub child id: C + 12 hex digits.")]


_LIMITED = {429: {"model": ErrorBody, "description": "Too many searches: see Retry-After."}}


@router.post("/children/search", response_model=SearchResult, summary="Search children",
             responses=_LIMITED)  # type: ignore[arg-type]  # fmt: skip
def search_children_post(
    db: Db, caller: ApiCaller, state: State, body: Annotated[SearchRequest, Body()]
) -> SearchResult:
    """Children matching every criterion given: NHS number, UPN, or family name + date of birth.

    Identifiers travel in the body, so they stay out of URLs, proxies' and servers' logs.
    Results carry only the child id and minimum identifying details. Searches are limited per
    caller (429 with Retry-After beyond the limit).
    """
    return _search(db, caller, state, body.query())


@router.get("/children", response_model=SearchResult, deprecated=True,
            summary="Search children (deprecated: use POST /api/children/search)",
            responses=_LIMITED)  # type: ignore[arg-type]  # fmt: skip
def search_children(
    db: Db, caller: ApiCaller, state: State,
    nhs_number: Annotated[str | None, Query(description="NHS number.", max_length=32)] = None,
    upn: Annotated[str | None, Query(description="Unique pupil number.", max_length=32)] = None,
    given_name: Annotated[str | None, Query(description="Given name.", max_length=100)] = None,
    family_name: Annotated[str | None, Query(description="Needs a DOB.", max_length=100)] = None,
    date_of_birth: Annotated[date | None, Query(description="YYYY-MM-DD.")] = None,
) -> SearchResult:  # fmt: skip
    """Deprecated: puts identifiers in the URL, where proxies and servers log them. Kept for
    existing clients; answers like ``POST /api/children/search``."""
    query = reads.SearchQuery(nhs_number, upn, given_name, family_name, date_of_birth)
    return _search(db, caller, state, query)


def _search(db: sqlite3.Connection, caller: Caller, state: WebState,
            query: reads.SearchQuery) -> SearchResult:  # fmt: skip
    now = state.clock()
    state.search_limit.take(caller, now, "api")
    result, hidden = reads.search(db, query, caller, now, state.access)
    audit_search(state, caller, now, query, result, hidden, "api")
    return result


@router.get(
    "/children/{child_id}", response_model=ChildRecord, summary="A child's record",
    responses={404: {"model": ErrorBody, "description": "No such child."}},
)  # fmt: skip
def get_child(child_id: ChildId, db: Db, caller: ApiCaller, state: State) -> ChildRecord:
    """Known identifiers and demographics per source, identity links with how each was matched,
    and the ids of children merged into this one. A merged-away id answers with its survivor."""
    now = state.clock()
    record, tally = reads.child_record(db, child_id, caller, now, state.access)
    count = sum(source.entries for source in record.sources)
    state.audit.record(audit_record(caller, record.child_id, AuditAction.RECORD, now=now,
                                    detail="record", entries=count, tally=tally))  # fmt: skip
    return record


@router.get(
    "/children/{child_id}/timeline", response_model=TimelinePage, summary="A child's timeline",
    responses={404: {"model": ErrorBody, "description": "No such child."}},
)  # fmt: skip
def get_timeline(
    child_id: ChildId, db: Db, caller: ApiCaller, state: State,
    agency: Annotated[list[str] | None, Query(description="Agency kind(s); repeatable.")] = None,
    category: Annotated[list[str] | None, Query(description="Data categories.")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="From date (incl.).")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="To date (inclusive).")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.")] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
) -> TimelinePage:  # fmt: skip
    """The child's timeline in order (occurred, recorded, entry id), with filters and paging.

    Includes the entries of every child merged into this one; each item carries its
    provenance (source event, topic/partition/offset) and how it was matched.
    """
    flt = timeline_filter(agency or [], category or [], date_from, date_to)
    now = state.clock()
    page, tally = reads.timeline(db, child_id, flt, limit, cursor, caller, now, state.access)
    detail = _timeline_detail(agency, category, date_from, date_to, cursor)
    rec = audit_record(caller, page.child_id, AuditAction.TIMELINE, now=now, detail=detail,
                       entries=len(page.items), tally=tally)  # fmt: skip
    state.audit.record(rec)
    return page


def audit_search(
    state: WebState, caller: Caller, now: datetime, query: reads.SearchQuery,
    result: SearchResult, hidden: int, channel: str,
) -> None:  # fmt: skip
    """One SEARCH record per child shown; a search that showed nobody is audited too (child id
    empty), counting the matching children the caller may not see as withheld."""
    detail = "by " + ",".join(query.kinds())
    for hit in result.results:
        state.audit.record(audit_record(caller, hit.child_id, AuditAction.SEARCH, now=now,
                                        detail=detail, channel=channel))  # fmt: skip
    if not result.results:
        tally = Tally(withheld=hidden, by_reason=Counter({"NOT_VISIBLE": hidden} if hidden else {}))
        state.audit.record(audit_record(caller, "", AuditAction.SEARCH, now=now,
                                        detail=detail + "; nothing shown", channel=channel,
                                        tally=tally))  # fmt: skip


def _timeline_detail(*parts: object) -> str:
    names = ("agency", "category", "from", "to", "cursor")
    used = [name for name, value in zip(names, parts, strict=True) if value]
    return "filters " + ",".join(used) if used else "first page, no filters"
