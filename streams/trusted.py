"""The worker's side of trusting review decisions: who is involved, and refusals on record.

`involvement` answers "is this person involved with this child?" from the crosswalk (the
organisations whose records make up the child now) and the partnership membership. A refused
decision is counted (``send_hub_identity_decisions_refused_total{reason}``) and written to
``send.audit`` as a DECISION_REFUSED record per child concerned, so the partnership can see
who tried to re-link whom; nothing else happens.
"""

import uuid
from datetime import datetime

from hub.identity.crosswalk import Crosswalk
from hub.identity.involvement import Partnership, involved, org_of_key
from hub.identity.trust import Involved, Verdict
from hub.metrics import DECISIONS_REFUSED
from hub.models import AuditAction, AuditRecord, IdentityReviewDecision, Purpose
from hub.models.caller import Reviewer
from schemas.serde import encode_model

__all__ = ["involvement", "refusal_audit"]


def involvement(crosswalk: Crosswalk, partnership: Partnership | None) -> Involved:
    """The involvement check over the crosswalk as it is now (one pass per child asked)."""
    orgs: dict[str, set[str]] = {}

    def orgs_of(child: str) -> set[str]:
        root = crosswalk.root(child)
        if root not in orgs:  # decisions are rare: one pass over the keys per child is fine
            found = (org_of_key(key) for key, owner in crosswalk if owner == root)
            orgs[root] = {org for org in found if org}
        return orgs[root]

    def check(person: Reviewer, child: str) -> bool:
        return involved(partnership, person.org, orgs_of(child))

    return check


def _record(decision: IdentityReviewDecision, verdict: Verdict, child: str,
            now: datetime) -> AuditRecord:  # fmt: skip
    person = decision.reviewer
    assert verdict.refusal is not None
    return AuditRecord(
        audit_id=str(uuid.uuid4()), at=now,
        subject=person.subject if person else decision.decided_by,
        org=person.org if person else "", org_kind=person.org_kind if person else None,
        role=person.role if person else None, purpose=Purpose.DIRECT_CARE, child_id=child,
        action=AuditAction.DECISION_REFUSED,
        detail=f"{decision.decision.value} refused ({verdict.refusal.value}): {verdict.why}",
        entries=0, channel="worker",
    )  # fmt: skip


def refusal_audit(
    decision: IdentityReviewDecision, verdict: Verdict, now: datetime
) -> list[tuple[bytes, bytes]]:
    """Count a refusal and return its audit messages (key = child id) for ``send.audit``."""
    assert verdict.refusal is not None
    DECISIONS_REFUSED.labels(reason=verdict.refusal.value).inc()
    children = verdict.children or ("",)
    return [(c.encode(), encode_model(_record(decision, verdict, c, now))) for c in children]
