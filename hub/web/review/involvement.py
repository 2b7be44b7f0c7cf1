"""Whether a reviewer's organisation is involved with the children a review action touches.

The organisations of a child are those whose source records make it up in the read model
(entry and link keys ``src:<kind>:<org>:...`` of the child and every child merged into it),
plus any the caller passes in (a review item's snapshots, in case the read model lags). The
rule itself is `hub.identity.involvement.involved`, the same one the worker applies, with the
partnership membership of this deployment: a reviewer sees and decides only items whose two
children both involve their organisation.
"""

import sqlite3
from collections.abc import Iterable

from hub.auth import Caller
from hub.identity.involvement import Partnership, involved, org_of_key
from hub.web.readmodel import queries as q

__all__ = ["child_orgs", "involved_with_all"]


def child_orgs(conn: sqlite3.Connection, child_id: str) -> set[str]:
    """Organisations holding a source record of ``child_id`` (or of a child merged into it)."""
    if not q.exists(conn, child_id):
        return set()
    members = q.members_of(conn, q.survivor_of(conn, child_id))
    marks = ",".join("?" * len(members))
    rows = conn.execute(
        f"SELECT DISTINCT src_key AS key FROM entries WHERE child_id IN ({marks})"
        f" UNION SELECT key FROM links WHERE child_id IN ({marks}) AND key LIKE 'src:%'",
        [*members, *members],
    )
    return {org for row in rows if (org := org_of_key(row["key"]))}


def involved_with_all(
    conn: sqlite3.Connection, partnership: Partnership | None, caller: Caller,
    children: Iterable[tuple[str, Iterable[str]]],
) -> bool:  # fmt: skip
    """Whether ``caller`` is involved with every (child id, known organisations) given."""
    return all(
        involved(partnership, caller.org, child_orgs(conn, child) | set(known))
        for child, known in children
    )
