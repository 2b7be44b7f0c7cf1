"""Deterministic identity: stable child ids, identifier links, order-independent merges."""

import itertools
import random
from typing import Any

from hub.identity.crosswalk import Crosswalk, child_id_for
from hub.identity.resolve import MatchProposal, Resolution, resolve
from hub.intake.validate import Accepted, SubjectKeys, validate
from hub.models import IdentityLink
from hub.models.timeline import EntryFlag
from tests.unit.intake.events import NOW, VALID_NHS, VALID_NHS_2, VALID_UPN, event_dict


def _resolve(cw: Crosswalk, **kw: Any) -> Resolution:
    accepted = validate(event_dict(**kw), NOW)
    assert isinstance(accepted, Accepted)
    return resolve(cw, accepted.event, accepted.keys, NOW)[1]


def test_new_person_gets_a_deterministic_child_id() -> None:
    first = _resolve(Crosswalk(), person="p1", nhs=VALID_NHS)
    again = _resolve(Crosswalk(), person="p1", nhs=VALID_NHS)
    assert first.child_id == again.child_id == child_id_for("src:EDUCATION:ORG1:SIMS:p1")
    assert first.child_id.startswith("C") and len(first.child_id) == 13
    assert first.match.outcome == "NEW_CHILD"
    assert {link.key for link in first.links} == {"src:EDUCATION:ORG1:SIMS:p1", f"nhs:{VALID_NHS}"}


def test_same_source_person_links_by_source_key() -> None:
    cw = Crosswalk()
    a = _resolve(cw, person="p1")
    b = _resolve(cw, event_id="e2", person="p1")
    assert b.child_id == a.child_id and b.match.rule == "source_person" and b.links == ()


def test_other_agency_links_by_nhs_number_then_upn() -> None:
    cw = Crosswalk()
    a = _resolve(cw, person="p1", nhs=VALID_NHS, upn=VALID_UPN)
    b = _resolve(cw, person="h9", kind="HEALTH", nhs=VALID_NHS)
    c = _resolve(cw, person="s4", kind="SOCIAL_CARE", upn=VALID_UPN)
    assert a.child_id == b.child_id == c.child_id
    assert (b.match.rule, c.match.rule) == ("nhs_number", "upn")


def test_identifiers_pointing_at_two_children_merge_them_into_the_smaller_id() -> None:
    cw = Crosswalk()
    a = _resolve(cw, person="p1")  # school record without an NHS number
    b = _resolve(cw, person="h9", kind="HEALTH", nhs=VALID_NHS)
    assert a.child_id != b.child_id
    c = _resolve(cw, event_id="e3", person="p1", nhs=VALID_NHS)  # school learns the number
    survivor, loser = min(a.child_id, b.child_id), max(a.child_id, b.child_id)
    assert c.child_id == survivor
    (merge,) = [link for link in c.links if link.kind == "MERGE"]
    assert (merge.key, merge.merged_into) == (f"child:{loser}", survivor)
    assert cw.lookup("src:HEALTH:ORG1:SIMS:h9") == survivor


def test_two_different_nhs_numbers_are_never_linked() -> None:
    cw = Crosswalk()
    a = _resolve(cw, person="p1", nhs=VALID_NHS)
    b = _resolve(cw, person="h9", kind="HEALTH", nhs=VALID_NHS_2)
    c = _resolve(cw, event_id="e3", person="p1", nhs=VALID_NHS_2)
    assert c.child_id == a.child_id != b.child_id
    assert c.flags == (EntryFlag.IDENTIFIER_CONFLICT,)
    assert all(link.kind == "LINK" for link in c.links)


def test_matcher_is_asked_only_when_no_identifier_links() -> None:
    cw = Crosswalk()
    known = _resolve(cw, person="p1", nhs=VALID_NHS).child_id
    asked: list[str | None] = []

    class Stub:
        def propose(self, event: Any, keys: SubjectKeys) -> MatchProposal:
            asked.append(keys.source)
            return MatchProposal("LINK_SCORE", known, 0.998, "m1")

        def observe(self, child_id: str, event: Any) -> None:
            pass

    accepted = validate(event_dict(person="x7", kind="HEALTH"), NOW)
    assert isinstance(accepted, Accepted)
    _, res = resolve(cw, accepted.event, accepted.keys, NOW, matcher=Stub())
    assert res.child_id == known and res.match.outcome == "LINK_SCORE" and res.match.score == 0.998
    _, again = resolve(cw, accepted.event, accepted.keys, NOW, matcher=Stub())
    assert again.match.rule == "source_person" and asked == ["src:HEALTH:ORG1:SIMS:x7"]


def _race_links() -> list[IdentityLink]:
    """Two workers each create a child for one person (same NHS number), then a third key."""
    left, right = Crosswalk(), Crosswalk()
    a = _resolve(left, person="p1", nhs=VALID_NHS)
    b = _resolve(right, person="h9", kind="HEALTH", nhs=VALID_NHS, upn=VALID_UPN)
    c = _resolve(right, person="s1", kind="SOCIAL_CARE", upn=VALID_UPN)
    return [*a.links, *b.links, *c.links]


def test_racing_workers_reconcile_to_the_same_grouping_in_any_order() -> None:
    links = _race_links()
    outcomes = set()
    for order in itertools.islice(itertools.permutations(links), 0, None, 37):
        cw = Crosswalk()
        pending = list(order)
        while pending:  # published reconciliation merges are read back too
            pending.extend(cw.apply(pending.pop(0)))
        groups = frozenset(frozenset(keys) for keys in cw.groups().values())
        outcomes.add((groups, frozenset(cw.groups())))
    assert len(outcomes) == 1
    ((groups, survivors),) = outcomes
    assert len(groups) == 1 and len(survivors) == 1


def test_merges_applied_in_random_orders_keep_the_smallest_survivor() -> None:
    rng = random.Random(7)
    children = [f"C{i:012x}" for i in range(12)]
    pairs = [(rng.choice(children), rng.choice(children)) for _ in range(15)]
    roots = set()
    for _ in range(20):
        cw = Crosswalk()
        rng.shuffle(pairs)
        for a, b in pairs:
            cw.union(a, b)
        roots.add(tuple(cw.root(c) for c in children))
    assert len(roots) == 1
