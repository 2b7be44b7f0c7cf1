"""Whether the worker may apply a reviewer's decision: the checks before anyone is re-linked.

Anyone who can write to ``send.identity.decisions`` could otherwise join two children. So a
decision is applied only if it names who made it (a reviewer role), and:

* LINK / NOT_A_MATCH names a known review item that is still OPEN (the first decision on an
  item wins; a decision on a decided item — a second web instance, a replay after an unmerge —
  is refused), about exactly that item's record and candidate child;
* UNMERGE names the child to split and carries a second reviewer's approval (not the same
  person);
* every person named is involved with the children concerned (`involved` is passed in, so the
  source of relationships can change without touching these rules).

`judge` is pure: ``(decision, item, record key, involved) -> Verdict`` with the reason; the
worker counts and audits a refusal and applies nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from hub.identity.review import ReviewItem
from hub.models import IdentityReviewDecision, LinkDecision
from hub.models.caller import CallerRole, Reviewer

__all__ = ["REVIEWER_ROLES", "Involved", "Refusal", "Verdict", "judge"]

# Linking decides whose data each caseworker sees: LA, designated officers, social workers.
REVIEWER_ROLES = frozenset({CallerRole.EHC_COORD, CallerRole.DCO, CallerRole.DSCO,
                            CallerRole.SW, CallerRole.ADMIN})  # fmt: skip

Involved = Callable[[Reviewer, str], bool]  # (person, child id) -> involved with that child


class Refusal(StrEnum):
    """Why a decision was not applied (a metric label: a small fixed set)."""

    UNSIGNED = "unsigned"
    ROLE = "role"
    UNKNOWN_ITEM = "unknown_item"
    DECIDED = "already_decided"
    WRONG_PAIR = "wrong_pair"
    UNINVOLVED = "uninvolved"
    UNAPPROVED = "unapproved"


@dataclass(frozen=True)
class Verdict:
    """Accepted (``refusal`` None) or refused with a reason; ``children`` for the audit."""

    refusal: Refusal | None
    why: str
    children: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.refusal is None


def _person(d: IdentityReviewDecision) -> Verdict | None:
    r = d.reviewer
    if r is None or r.subject != d.decided_by:
        return Verdict(Refusal.UNSIGNED, "the decision does not name the reviewer who made it")
    if r.role not in REVIEWER_ROLES:
        return Verdict(Refusal.ROLE, f"role {r.role.value} may not decide identities")
    return None


def _on_item(d: IdentityReviewDecision, item: ReviewItem | None, key: str | None) -> Verdict:
    if item is None:
        return Verdict(Refusal.UNKNOWN_ITEM, "no review item has this id")
    pair = (item.provisional_child_id, item.candidate_child_id)
    if item.status != "OPEN":
        return Verdict(Refusal.DECIDED, f"the item was decided already ({item.decision})", pair)
    if key != item.record.source_key or d.child_id not in (None, item.candidate_child_id):
        return Verdict(Refusal.WRONG_PAIR, "the decision is not about this item's pair", pair)
    return Verdict(None, "an open item, decided first by a reviewer", pair)


def _unmerge(d: IdentityReviewDecision) -> Verdict:
    if d.child_id is None:
        return Verdict(Refusal.WRONG_PAIR, "an unmerge must name the child to split")
    a = d.approver
    if a is None or a.subject == d.decided_by:
        return Verdict(Refusal.UNAPPROVED, "an unmerge needs a second reviewer's approval",
                       (d.child_id,))  # fmt: skip
    if a.role not in REVIEWER_ROLES:
        return Verdict(Refusal.ROLE, f"approver role {a.role.value} may not decide identities")
    return Verdict(None, "an unmerge approved by a second reviewer", (d.child_id,))


def judge(
    decision: IdentityReviewDecision, item: ReviewItem | None, record_key: str | None,
    involved: Involved,
) -> Verdict:  # fmt: skip
    """Whether ``decision`` may be applied, given the item it names and the record's key."""
    refused = _person(decision)
    if refused is not None:
        return refused
    if decision.decision is LinkDecision.UNMERGE:
        verdict = _unmerge(decision)
    else:
        verdict = _on_item(decision, item, record_key)
    if not verdict.accepted:
        return verdict
    people = [p for p in (decision.reviewer, decision.approver) if p is not None]
    for person in people:
        if not all(involved(person, child) for child in verdict.children):
            why = f"{person.org} is not involved with every child concerned"
            return Verdict(Refusal.UNINVOLVED, why, verdict.children)
    return verdict
