"""Bulk linkage by pairs: blocking recall, block cap, one-to-one, grouping, twins, swaps."""

import random
from datetime import date

from hub.identity.blocking import candidate_pairs
from hub.identity.bulk import dedupe_records, link_records
from hub.identity.model import MatchModel
from hub.identity.normalise import prepare
from hub.identity.scoring import compile_model, explain, score
from tests.unit.identity import synthetic
from tests.unit.identity.conftest import person, prep

TODAY = date(2026, 6, 1)


def test_blocking_finds_planted_matches(model: MatchModel) -> None:
    # Two sources' records of the same 1,500 children (typos, nicknames, date slips,
    # surname changes, moves): nearly every true pair must become a candidate.
    rng = random.Random(3)
    kids = synthetic.make_children(1500, rng, TODAY)
    edu, health = synthetic.SOURCES[0], synthetic.SOURCES[1]
    a = [prepare(synthetic.records_for(rng, k, edu, f"A-{k.child_id}")) for k in kids]
    b = [prepare(synthetic.records_for(rng, k, health, f"B-{k.child_id}")) for k in kids]
    found = candidate_pairs(model, a, b)
    planted = sum((i, i) in found.pairs for i in range(len(kids)))
    assert planted / len(kids) >= 0.99
    assert len(found.pairs) < 30 * len(kids)  # blocking, not all pairs


def test_oversized_blocks_are_skipped_and_reported(model: MatchModel) -> None:
    tiny = model.model_copy(update={"max_block": 3})
    same_day = [prep(f"r{i}", given_name=f"Name{chr(65 + i)}x") for i in range(6)]
    found = candidate_pairs(tiny, same_day)
    assert found.skipped_blocks >= 1 and found.skipped_records >= 4
    warnings: list[str] = []
    records = [person(f"r{i}", given_name=f"Name{chr(65 + i)}x") for i in range(6)]
    smaller = model.model_copy(update={"max_block": 2})
    link_records(records[:3], records[3:], smaller, warn=warnings.append)
    assert warnings and "skipped" in warnings[0]


def test_twins_and_siblings_are_never_matched(model: MatchModel) -> None:
    home = {"family_name": "Hartley", "postcode": "PR1 2AB", "address": "12 Station Road"}
    twin_a = person("a1", given_name="Oliver", date_of_birth=date(2015, 3, 7), **home)
    twin_b = person("b1", given_name="Harry", date_of_birth=date(2015, 3, 7), **home)
    sister = person("b2", given_name="Amelia", sex="F", date_of_birth=date(2012, 1, 9), **home)
    rows = link_records([twin_a], [twin_b, sister], model)
    assert not [r for r in rows if r.decision == "match"]


def test_one_to_one_keeps_the_best_pair_for_each_record(model: MatchModel) -> None:
    a = [person("a1"), person("a2", given_name="Olivia", sex="F")]
    b = [person("b1"), person("b2", address="12 Station Rd, Preston")]  # b2: a duplicate
    many = link_records(a, b, model)
    one = link_records(a, b, model, one_to_one=True)
    assert {(r.record_id_a, r.record_id_b) for r in many if r.decision == "match"} == {
        ("a1", "b1"),
        ("a1", "b2"),
    }
    assert [(r.record_id_a, r.record_id_b) for r in one if r.decision == "match"] == [("a1", "b1")]


def test_dedupe_groups_copies_but_not_across_a_clear_disagreement(model: MatchModel) -> None:
    base = {"family_name": "Kowalczyk", "postcode": "BB10 2AB", "address": "7 Mill Lane"}
    first = person("r1", given_name="Zofia", date_of_birth=date(2014, 2, 3), **base)
    copy = person("r2", given_name="Zofia", date_of_birth=date(2014, 3, 2), **base)  # swapped
    again = person("r3", given_name="Zofja", date_of_birth=date(2014, 3, 2), **base)
    other = person("r4", given_name="Zofia", date_of_birth=date(2009, 11, 20), **base)
    rows = dedupe_records([first, copy, again, other], model)
    matched = {(r.record_id_a, r.record_id_b) for r in rows if r.decision == "match"}
    assert {("r1", "r2"), ("r2", "r3"), ("r1", "r3")} <= matched
    assert not {p for p in matched if "r4" in p}


def test_names_in_each_others_field_are_compared_crosswise(model: MatchModel) -> None:
    cm = compile_model(model)
    straight = prep("a", given_name="Oliver", family_name="Hartley")
    swapped = prep("b", given_name="Hartley", family_name="Oliver")
    terms, total = explain(cm, straight, swapped)
    assert total == score(cm, straight, swapped)[0]
    assert total >= score(cm, straight, straight)[0] - 1e-9
    assert any(t.level == "swapped" for t in terms)
