"""Identity review decisions and unmerge requests from the web: who may, and what is sent.

Deciding is restricted to `REVIEWER_ROLES`: people who hold the child's record for the
partnership (LA EHC coordinators, designated clinical and social care officers, social
workers) and administrators. Linking two records decides whose data each caseworker sees, so
school, health visitor, paediatric and ops roles may not; reading the queue (it shows two
people's demographics side by side) needs the same roles.

A decision is an `IdentityReviewDecision` naming its reviewer (subject, organisation, its
kind, role, from the caller's token); `hub.web.sinks.review_decisions` sends it to
``send.identity.decisions`` and the worker applies it after its own checks
(`hub.identity.trust`). An unmerge is first a request; it is sent again, with a second
reviewer as ``approver``, when someone else approves it (`approved_unmerge`).
"""

import uuid
from datetime import datetime

from hub.auth import Caller
from hub.errors import HubError
from hub.identity import trust
from hub.models import (
    AgencyKind,
    IdentityReviewDecision,
    LinkDecision,
    PersonSnapshot,
    RecordRef,
    Reviewer,
    ReviewItem,
)

__all__ = [
    "REVIEWER_ROLES",
    "DecisionUnavailable",
    "NotAllowed",
    "ReviewConflict",
    "ReviewNotFound",
    "approved_unmerge",
    "check_reviewer",
    "record_ref",
    "review_decision",
    "reviewer_of",
    "unmerge_decision",
]


REVIEWER_ROLES = trust.REVIEWER_ROLES  # the worker checks the same roles
_KINDS = frozenset(k.value for k in AgencyKind)


class NotAllowed(HubError):
    """The caller's role may not review identities."""


class ReviewNotFound(HubError):
    """No review item with this id."""


class ReviewConflict(HubError):
    """The item is decided already, or the request does not fit the child."""


class DecisionUnavailable(HubError):
    """The decision could not be written to Kafka (nothing was decided)."""


def check_reviewer(caller: Caller) -> None:
    """Raise NotAllowed unless the caller's role may read and decide identity reviews."""
    if caller.role not in REVIEWER_ROLES:
        allowed = ", ".join(sorted(r.value for r in REVIEWER_ROLES))
        raise NotAllowed(f"role {caller.role.value} may not review identities ({allowed} may)")


def reviewer_of(caller: Caller) -> Reviewer:
    """The reviewer identity a decision carries: who the caller's token says they are."""
    return Reviewer(subject=caller.subject, org=caller.org, org_kind=caller.org_kind,
                    role=caller.role)  # fmt: skip


def _ref(snapshot: PersonSnapshot) -> RecordRef:
    # An unknown agency kind is left out: the worker then finds the record by the other parts.
    kind = snapshot.agency_kind if snapshot.agency_kind in _KINDS else None
    return RecordRef(
        agency_kind=AgencyKind(kind) if kind else None, org_code=snapshot.org_code,
        system=snapshot.system, source_person_id=snapshot.source_person_id,
    )  # fmt: skip


def record_ref(source_key: str) -> RecordRef:
    """``src:<agency_kind>:<org>:<system>:<source person id>`` as a RecordRef."""
    parts = source_key.split(":", 4)
    if len(parts) != 5 or parts[0] != "src" or not all(parts[2:]):
        raise ValueError(f"not a source record key: {source_key!r}")
    try:
        kind = AgencyKind(parts[1])
    except ValueError as exc:
        raise ValueError(f"unknown agency kind in {source_key!r}") from exc
    return RecordRef(agency_kind=kind, org_code=parts[2], system=parts[3],
                     source_person_id=parts[4])  # fmt: skip


def review_decision(
    item: ReviewItem, decision: LinkDecision, reason: str, caller: Caller, now: datetime
) -> IdentityReviewDecision:
    """The decision on ``item``: the incoming record first, then the candidate's record."""
    return IdentityReviewDecision(
        review_id=item.review_id, records=(_ref(item.record), _ref(item.candidate)),
        child_id=item.candidate_child_id, decision=decision, decided_by=caller.subject,
        decided_at=now, reason=reason, reviewer=reviewer_of(caller),
    )  # fmt: skip


def unmerge_decision(
    child_id: str, source_keys: list[str], reason: str, caller: Caller, now: datetime
) -> IdentityReviewDecision:
    """A request to split ``source_keys`` off ``child_id`` onto a new child."""
    return IdentityReviewDecision(
        review_id="U" + uuid.uuid4().hex, records=tuple(record_ref(k) for k in source_keys),
        child_id=child_id, decision=LinkDecision.UNMERGE, decided_by=caller.subject,
        decided_at=now, reason=reason, reviewer=reviewer_of(caller),
    )  # fmt: skip


def approved_unmerge(request: IdentityReviewDecision, caller: Caller) -> IdentityReviewDecision:
    """``request`` approved by ``caller``, who must not be the person who asked for it."""
    if request.decision is not LinkDecision.UNMERGE or request.approver is not None:
        raise ReviewConflict(f"{request.review_id} is not an unmerge waiting for approval")
    if caller.subject == request.decided_by:
        raise NotAllowed("an unmerge needs a second reviewer: you asked for this one")
    return request.model_copy(update={"approver": reviewer_of(caller)})
