"""Whether a permit's lawful basis holds for this child today: the law's conditions, in code.

The policy file chooses which bases a partnership relies on; what each basis needs is fixed
here and no policy can switch it off:

* DIRECT_CARE: the caller's organisation has an active relationship of a kind the policy
  counts for the caller's role.
* STATUTORY: for STATUTORY_EHC, an EHC needs assessment or plan is open and the caller's
  organisation is the LA running it, an adviser asked in it, or otherwise involved today; or
  a recorded STATUTORY sharing decision to the caller's organisation and role whose bound
  case is still open. A statutory basis lapses when its case closes.
* SAFEGUARDING: a recorded rationale, namely an active break-glass of this person, a recorded
  SAFEGUARDING decision to the caller's organisation and role, or (social workers) their own
  organisation's open s.47 enquiry or child protection plan.
* CONSENT: a current grant to the caller's organisation and role, covering the category and
  purpose, within its window and bound case, given by the person who may decide today.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.consent.deciders import may_decide
from hub.consent.outcomes import Check, Fail, Ok, ReasonClass
from hub.consent.policy import Permit
from hub.consent.relationships import RelationshipKind
from hub.models import BasisKind, BoundKind, ConsentAction, ConsentRecord, DataCategory, Purpose

if TYPE_CHECKING:
    from hub.consent.decision import ReadContext

__all__ = ["check_basis"]

_GIVER_WORDS = {
    "PR_HOLDER": "a parent with parental responsibility",
    "GILLICK_COMPETENT_CHILD": "the child (Gillick-competent)",
    "YOUNG_PERSON": "the young person",
    "DEPUTY_OR_ATTORNEY": "their deputy or attorney",
}


def _direct_care(ctx: ReadContext, permit: Permit) -> Check:
    kinds = ctx.policy.kinds_for(str(ctx.caller.role))
    held = [r for r in ctx.mine if r.kind.value in kinds]
    if held:
        return Ok(permit.detail, f"direct care: {held[0].describe()}")
    return Fail(ReasonClass.NO_RELATIONSHIP,
                "the caller's organisation has no active relationship with the child")  # fmt: skip


def _recorded(ctx: ReadContext, kind: BasisKind, category: DataCategory) -> list[ConsentRecord]:
    """Current GRANT records on ``kind`` to the caller's organisation and role for this read."""
    return [
        r for r in ctx.consent.current(ConsentAction.GRANT, ctx.now)
        if r.basis.kind is kind and r.recipient.org_code == ctx.caller.org
        and r.recipient.role.value == str(ctx.caller.role)
        and category in r.categories and ctx.purpose in r.purposes
    ]  # fmt: skip


def _bound_open(ctx: ReadContext, record: ConsentRecord) -> bool:
    bound = record.bound_to
    if bound is None:
        return True
    if bound.kind in (BoundKind.EHCNA, BoundKind.REVIEW):
        return any(c.ref == bound.ref for c in ctx.cases)
    return ctx.relationships.holds_ref_on(bound.ref, ctx.day)


def _ehc_statutory(ctx: ReadContext, permit: Permit) -> Check:
    if not ctx.cases:
        if ctx.closed_cases:
            last = max(ctx.closed_cases, key=lambda c: c.period.until or c.period.since)
            return Fail(ReasonClass.NO_OPEN_CASE, f"statutory basis lapsed: the EHC case "
                        f"closed on {last.period.until}")  # fmt: skip
        return Fail(ReasonClass.NO_OPEN_CASE, "no open EHC needs assessment or plan")
    for case in ctx.cases:
        if case.la_code == ctx.caller.org or ctx.mine:
            return Ok(permit.detail, f"statutory: {permit.citation}, {case.describe()}")
    return Fail(ReasonClass.NO_RELATIONSHIP,
                "the caller's organisation takes no part in the open EHC case")  # fmt: skip


def _statutory(ctx: ReadContext, permit: Permit, category: DataCategory) -> Check:
    found = _ehc_statutory(ctx, permit) if ctx.purpose is Purpose.STATUTORY_EHC else None
    if isinstance(found, Ok):
        return found
    for record in _recorded(ctx, BasisKind.STATUTORY, category):
        if _bound_open(ctx, record):
            return Ok(permit.detail, f"statutory: {record.basis.citation}, "
                      f"recorded sharing decision {record.consent_id}")  # fmt: skip
        found = Fail(ReasonClass.NO_OPEN_CASE, f"statutory basis lapsed: case "
                     f"{record.bound_to.ref if record.bound_to else ''} has closed")  # fmt: skip
    return found or Fail(ReasonClass.NO_OPEN_CASE, "no statutory duty applies to this read")


def _safeguarding(ctx: ReadContext, permit: Permit, category: DataCategory) -> Check:
    caller = ctx.caller
    for grant in ctx.consent.break_glass:
        if grant.active_for(caller.subject, caller.org, str(caller.role), ctx.now):
            until = grant.expires.isoformat(timespec="minutes")
            return Ok(permit.detail, f"safeguarding: break-glass until {until}, reason recorded")
    for record in _recorded(ctx, BasisKind.SAFEGUARDING, category):
        return Ok(permit.detail, f"safeguarding: {permit.citation}, decision recorded "
                  f"{record.recorded_at.date().isoformat()} with its rationale")  # fmt: skip
    if str(caller.role) == "SW":
        cp = [r for r in ctx.mine if r.kind is RelationshipKind.CHILD_PROTECTION]
        if cp:
            return Ok(permit.detail, f"safeguarding: {permit.citation}, s.47 enquiry or child "
                      f"protection plan open since {cp[0].period.since.isoformat()}")  # fmt: skip
    return Fail(ReasonClass.NO_RATIONALE, "safeguarding access needs a recorded rationale "
                "or break-glass")  # fmt: skip


def _consent(ctx: ReadContext, permit: Permit, category: DataCategory) -> Check:
    failure: Fail | None = None
    for grant in _recorded(ctx, BasisKind.CONSENT, category):
        if not _bound_open(ctx, grant):
            failure = Fail(ReasonClass.NO_OPEN_CASE, "the case this consent was bound to closed")
            continue
        role = grant.basis.giver_role
        assert role is not None  # a CONSENT basis always names its giver's role
        ok, why = may_decide(role, category, ctx.date_of_birth, ctx.day, ctx.policy.deciders,
                             evidence=bool(grant.basis.evidence))  # fmt: skip
        if ok:
            return Ok(permit.detail, f"consent: given by {_GIVER_WORDS[role.value]}, "
                      f"recorded {grant.recorded_at.date().isoformat()}")  # fmt: skip
        failure = Fail(ReasonClass.WRONG_DECIDER, f"consent given by the wrong person: {why}")
    none = Fail(ReasonClass.NO_GRANT, "no consent covers this")
    return failure or _withdrawn(ctx, category) or none


def _withdrawn(ctx: ReadContext, category: DataCategory) -> Fail | None:
    for grant, withdrawal in ctx.consent.withdrawn_grants():
        if (grant.recipient.org_code == ctx.caller.org and category in grant.categories
                and grant.recipient.role.value == str(ctx.caller.role)
                and ctx.purpose in grant.purposes):  # fmt: skip
            when = withdrawal.recorded_at.date().isoformat()
            return Fail(ReasonClass.WITHDRAWN, f"consent withdrawn on {when}")
    return None


def check_basis(ctx: ReadContext, permit: Permit, category: DataCategory) -> Check:
    """Whether ``permit``'s basis holds for this read, at the permit's detail."""
    if permit.basis is BasisKind.DIRECT_CARE:
        return _direct_care(ctx, permit)
    if permit.basis is BasisKind.STATUTORY:
        return _statutory(ctx, permit, category)
    if permit.basis is BasisKind.SAFEGUARDING:
        return _safeguarding(ctx, permit, category)
    if permit.basis is BasisKind.CONSENT:
        return _consent(ctx, permit, category)
    return Fail(ReasonClass.NOT_IN_POLICY, "anonymised data is never read per child")
