"""Cost of the worker's checks on one review decision and of verifying one access token.

Run ``.venv/bin/python bench/decision_checks.py [--children N]``. Builds a crosswalk of N
children with two source records each (N*2 keys), then times `hub.identity.trust.judge` with
the worker's involvement check (`streams.trusted.involvement`: one pass over the crosswalk
per child concerned), and the verification of a locally signed token. Prints figures only.
"""

import argparse
import time
from datetime import UTC, datetime, timedelta

from hub.auth import Caller, OrgKind, Role, TokenRules, issue_token, verify_session
from hub.identity.crosswalk import Crosswalk
from hub.identity.involvement import Partnership, PartnershipGroup
from hub.identity.trust import judge
from hub.models import AgencyKind, IdentityReviewDecision, LinkDecision, RecordRef
from hub.models.caller import CallerRole, Reviewer
from streams.trusted import involvement

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KEY = "bench-signing-key-of-a-decent-length-000000"


def _crosswalk(children: int) -> Crosswalk:
    cw = Crosswalk()
    for n in range(children):
        cw.link(f"src:EDUCATION:{100000 + n % 500}:SIMS:p{n}", f"C{n:012x}")
        cw.link(f"src:HEALTH:RW5:SystmOne:h{n}", f"C{n:012x}")
    return cw


def _unmerge() -> IdentityReviewDecision:
    who = Reviewer(subject="sam", org="888", org_kind=AgencyKind.LOCAL_AUTHORITY,
                   role=CallerRole.EHC_COORD)  # fmt: skip
    ref = RecordRef(agency_kind=AgencyKind.HEALTH, org_code="RW5", system="SystmOne",
                    source_person_id="h7")  # fmt: skip
    return IdentityReviewDecision(
        review_id="U" + "0" * 32, records=(ref,), child_id=f"C{7:012x}",
        decision=LinkDecision.UNMERGE, decided_by="sam", decided_at=NOW, reason="bench",
        reviewer=who, approver=who.model_copy(update={"subject": "kim"}),
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=500_000)
    children = parser.parse_args().children
    cw = _crosswalk(children)
    partnership = Partnership(groups=(PartnershipGroup(name="b", organisations=frozenset(
        {"888", "RW5"})),))  # fmt: skip
    started = time.perf_counter()
    verdict = judge(_unmerge(), None, None, involvement(cw, partnership))
    took = time.perf_counter() - started
    print(
        f"judge an approved unmerge, {children * 2:,} crosswalk keys: {took * 1000:.0f} ms "
        f"({'accepted' if verdict.accepted else verdict.refusal})"
    )
    caller = Caller(subject="a", org="888", org_kind=OrgKind.LOCAL_AUTHORITY, role=Role.SW)
    token = issue_token(caller, secret=KEY, issuer="send-hub", now=NOW, ttl=timedelta(hours=1))
    rules, rounds = TokenRules(issuer="send-hub"), 5000
    started = time.perf_counter()
    for _ in range(rounds):
        verify_session(token, secret=KEY, rules=rules, now=NOW)
    per = (time.perf_counter() - started) / rounds
    print(f"verify a local HS256 token: {per * 1e6:.0f} us ({1 / per:,.0f} per second)")


if __name__ == "__main__":
    main()
