"""Which alerts a caller sees on a child's record: one small rule until the consent policy
decides (the place it plugs in, like `hub.web.children.access.visible` for entries).

An alert names its recipients (a role, and the organisation when it knows one): a caller in
that role at that organisation sees it; so do the local authority's EHC coordinators, who hold
the statutory duties. Everyone else sees none of the child's alerts. The record they sit on is
itself decided by the sharing policy first (a caller who may not see the child sees nothing).
"""

import sqlite3
from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel

from hub.auth import Caller, OrgKind, Role
from hub.models import Alert

__all__ = ["AlertView", "alert_visible", "child_alerts"]

_MAX = 50


class AlertView(BaseModel):
    """One alert as the child's record shows it."""

    alert_id: str
    kind: str
    rule_id: str
    raised_at: datetime
    due_date: date | None
    explanation: str


def alert_visible(alert: Alert, caller: Caller) -> bool:
    """Whether ``caller`` may see ``alert``."""
    if caller.org_kind is OrgKind.LOCAL_AUTHORITY and caller.role is Role.EHC_COORD:
        return True  # the statutory duties are the LA's
    return any(
        r.role == caller.role.value and r.org_code in (None, caller.org) for r in alert.recipients
    )


def child_alerts(
    conn: sqlite3.Connection, members: Sequence[str], caller: Caller
) -> list[AlertView]:
    """The newest alerts of a child (and children merged into it) the caller may see."""
    marks = ",".join("?" * len(members))
    rows = conn.execute(
        f"SELECT body FROM alerts WHERE child_id IN ({marks}) ORDER BY raised_ms DESC LIMIT ?",
        [*members, _MAX],
    )
    alerts = (Alert.model_validate_json(row["body"]) for row in rows)
    return [
        AlertView(alert_id=a.alert_id, kind=a.kind.value, rule_id=a.rule_id,
                  raised_at=a.raised_at, due_date=a.due_date, explanation=a.explanation)
        for a in alerts if alert_visible(a, caller)
    ]  # fmt: skip
