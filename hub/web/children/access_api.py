"""Consent-specific routes: safeguarding break-glass and a child's access log.

``POST /api/children/{child_id}/break-glass`` opens time-limited safeguarding access for a DSL
or social worker who gives a reason: the break-glass is published as an alert on
``send.alerts`` and audited as its own action before it takes effect (no alert or no audit,
no access: 503).
``GET /api/children/{child_id}/access-log`` lists who read the child, why, what they were
shown and withheld and on which basis: for the roles the sharing policy names, and only for
a child whose record they may see.
"""

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, Field

from hub.auth import Caller
from hub.models import AccessAlert, AccessAlertKind, AuditAction, AuditRecord
from hub.web.children import reads
from hub.web.children.views import ErrorBody
from hub.web.context import ApiCaller, Db, State, WebState
from hub.web.readmodel import consent as store
from hub.web.review.rules import NotAllowed
from hub.web.sinks.alerts import AlertUnavailable
from hub.web.sinks.audit import audit_record

__all__ = ["BreakGlassGrant", "BreakGlassRequest", "access_log_for", "router"]

_BREAK_GLASS_ROLES = ("DSL", "SW")
_ERRORS = {
    400: {"model": ErrorBody, "description": "The request cannot be answered as asked."},
    401: {"model": ErrorBody, "description": "No token, or the token is not valid."},
    403: {"model": ErrorBody, "description": "The caller's role may not do this."},
    404: {"model": ErrorBody, "description": "No such child (or not one the caller may see)."},
    503: {"model": ErrorBody, "description": "The audit or alert could not be written."},
}
router = APIRouter(prefix="/api", tags=["consent"], responses=_ERRORS)  # type: ignore[arg-type]
ChildId = Annotated[str, Path(description="Hub child id: C + 12 hex digits.", max_length=64)]


class BreakGlassRequest(BaseModel):
    """Why safeguarding access is needed now, without another lawful basis."""

    reason: str = Field(min_length=10, max_length=500)


class BreakGlassGrant(BaseModel):
    """A break-glass in force."""

    child_id: str
    expires_at: datetime
    alert_id: str


class AccessLog(BaseModel):
    """The reads of a child, newest first."""

    child_id: str
    reads: list[AuditRecord]


def _alert(child_id: str, caller: Caller, now: datetime, until: datetime) -> AccessAlert:
    return AccessAlert(
        alert_id=str(uuid.uuid4()), kind=AccessAlertKind.BREAK_GLASS, raised_at=now,
        child_id=child_id, subject=caller.subject, org=caller.org, role=caller.role.value,
        expires_at=until, explanation=f"safeguarding break-glass by {caller.role.value} at "
        f"{caller.org} until {until.isoformat(timespec='minutes')}; reason in the audit log",
    )  # fmt: skip


@router.post("/children/{child_id}/break-glass", status_code=201, response_model=BreakGlassGrant,
             summary="Open safeguarding break-glass")  # fmt: skip
def break_glass(
    child_id: ChildId, db: Db, caller: ApiCaller, state: State,
    body: Annotated[BreakGlassRequest, Body()],
) -> BreakGlassGrant:  # fmt: skip
    """Time-limited safeguarding access to the child for a DSL or social worker, with a reason.
    Audited as BREAK_GLASS and alerted on ``send.alerts`` before it takes effect."""
    if caller.role.value not in _BREAK_GLASS_ROLES:
        raise NotAllowed("break-glass is for designated safeguarding leads and social workers")
    survivor, _ = reads.resolve_child(db, child_id)
    now = state.clock()
    until = now + timedelta(hours=state.access.break_glass_hours)
    if state.alerts is None:
        raise AlertUnavailable("no alert topic is configured, so break-glass is unavailable")
    # Alert first, then the audit record: a BREAK_GLASS audit record always means the alert
    # went out, and every web process honours the break-glass from that record.
    alert = _alert(survivor, caller, now, until)
    state.alerts.send(alert)
    state.audit.record(audit_record(caller, survivor, AuditAction.BREAK_GLASS, now=now,
                                    detail=f"reason: {body.reason}"))  # fmt: skip
    grant = state.access.grant_break_glass(survivor, caller, body.reason, now)
    return BreakGlassGrant(child_id=survivor, expires_at=grant.expires, alert_id=alert.alert_id)


def access_log_for(
    state: WebState, db: Db, child_id: str, caller: Caller, channel: str, limit: int = 100
) -> AccessLog:
    """The access log of a child the caller may see, audited as ACCESS_LOG."""
    if caller.role.value not in state.access.policy.access_log_roles:
        raise NotAllowed(f"the {caller.role.value} role may not read access logs")
    now = state.clock()
    survivor, members, _ = reads.open_child(db, child_id, caller, now, state.access)
    log = store.access_log(db, members, limit)
    state.audit.record(audit_record(caller, survivor, AuditAction.ACCESS_LOG, now=now,
                                    detail="access log", entries=len(log),
                                    channel=channel))  # fmt: skip
    return AccessLog(child_id=survivor, reads=log)


@router.get("/children/{child_id}/access-log", response_model=AccessLog,
            summary="Who read a child's data")  # fmt: skip
def get_access_log(
    child_id: ChildId, db: Db, caller: ApiCaller, state: State,
    limit: Annotated[int, Query(ge=1, le=500, description="Most recent reads.")] = 100,
) -> AccessLog:  # fmt: skip
    """Every read of the child (search hits, record, timeline pages, break-glass, access-log
    reads): who, organisation, role, purpose, what was shown and withheld, on which basis."""
    return access_log_for(state, db, child_id, caller, "api", limit)
