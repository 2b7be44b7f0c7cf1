"""The candidate index: children with several records, remove, reassign (merge/unmerge)."""

from hub.identity.index import CandidateIndex, match
from hub.identity.match_decision import Outcome
from tests.unit.identity.conftest import NHS_A, person


def test_a_child_holds_several_records(index: CandidateIndex) -> None:
    index.add("child-1", person("a"))
    index.add("child-1", person("b", family_name="Nowak", postcode="BB10 1AA"))
    assert index.records_of("child-1") == ["a", "b"]
    assert index.child_of("b") == "child-1"
    assert len(index) == 2 and index.child_count == 1
    # The later surname is found through the second record.
    decision = match(index, person("q", family_name="Nowak", postcode="BB10 1AA"))
    assert decision.is_link and decision.candidate_child_id == "child-1"


def test_remove_takes_the_record_out_of_every_block(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    assert index.remove("a") is True
    assert index.remove("a") is False
    assert index.match(person("q", nhs_number=NHS_A)).outcome is Outcome.NO_MATCH
    assert index.child_count == 0 and len(index) == 0


def test_re_adding_a_record_replaces_it(index: CandidateIndex) -> None:
    index.add("child-1", person("a", given_name="Oliver"))
    index.add("child-2", person("a", given_name="Harriet", sex="F"))
    assert len(index) == 1 and index.child_of("a") == "child-2"
    assert index.records_of("child-1") == []


def test_reassign_moves_a_record_between_children(index: CandidateIndex) -> None:
    index.add("child-1", person("a"))
    index.add("child-2", person("b", postcode="BB10 1AA"))
    index.reassign("b", "child-1")  # merge
    assert index.records_of("child-1") == ["a", "b"] and index.child_count == 1
    index.reassign("b", "child-2")  # unmerge
    assert index.records_of("child-2") == ["b"] and index.child_count == 2


def test_slots_are_reused_after_removal(index: CandidateIndex) -> None:
    for n in range(5):
        index.add(f"child-{n}", person(f"r{n}", given_name=f"Name{n}"))
        index.remove(f"r{n}")
    index.add("child-x", person("x"))
    assert len(index) == 1 and index.match(person("q")).candidate_child_id == "child-x"
