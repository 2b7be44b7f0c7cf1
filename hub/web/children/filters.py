"""Parse request inputs shared by the API and the pages: timeline filters and search fields.

Agency and category filters may be repeated or comma-separated and are case-insensitive;
an unknown value is a `QueryError` naming the accepted ones.
"""

from collections.abc import Iterable
from datetime import date
from enum import StrEnum

from hub.models import AgencyKind, DataCategory
from hub.web.readmodel.queries import QueryError, TimelineFilter

__all__ = ["MAX_LIMIT", "codes", "timeline_filter"]

MAX_LIMIT = 500


def codes(values: Iterable[str], kind: type[StrEnum], name: str) -> tuple[str, ...]:
    """Upper-cased, validated enum values from repeated and/or comma-separated inputs."""
    out: list[str] = []
    for value in values:
        for part in value.split(","):
            code = part.strip().upper()
            if not code:
                continue
            if code not in kind.__members__:
                allowed = ", ".join(kind.__members__)
                raise QueryError(f"unknown {name} {part.strip()!r}: use one of {allowed}")
            out.append(code)
    return tuple(dict.fromkeys(out))


def timeline_filter(
    agency: Iterable[str], category: Iterable[str], date_from: date | None, date_to: date | None
) -> TimelineFilter:
    """A validated timeline filter."""
    if date_from and date_to and date_from > date_to:
        raise QueryError("'from' is after 'to'")
    return TimelineFilter(
        agencies=codes(agency, AgencyKind, "agency"),
        categories=codes(category, DataCategory, "category"),
        date_from=date_from,
        date_to=date_to,
    )
