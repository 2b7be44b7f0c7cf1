"""Decisions: thresholds, margin, review caps and the identifier rules ahead of the score."""

from datetime import date

import pytest

from hub.identity.index import CandidateIndex
from hub.identity.match_decision import Outcome
from hub.identity.model import MatchModel
from tests.unit.identity.conftest import NHS_A, NHS_B, UPN_A, person


def with_thresholds(model: MatchModel, **values: float) -> MatchModel:
    return model.model_copy(update={"thresholds": model.thresholds.model_copy(update=values)})


def test_identical_record_links_by_score(index: CandidateIndex) -> None:
    index.add("child-1", person("a"))
    decision = index.match(person("b"))
    assert decision.outcome is Outcome.LINK_SCORE
    assert decision.candidate_child_id == "child-1"
    assert decision.candidate_record_id == "a"
    assert decision.match_weight is not None and decision.probability is not None
    assert decision.probability > 0.999


def test_empty_index_is_no_match(index: CandidateIndex) -> None:
    decision = index.match(person("b"))
    assert decision.outcome is Outcome.NO_MATCH
    assert decision.candidate_child_id is None and decision.explanation == []


def test_thresholds_decide_link_review_and_no_match(model: MatchModel) -> None:
    weight = _weight_of_typo_pair(model)
    cases = [
        (with_thresholds(model, link=weight - 1, review=weight - 2), Outcome.LINK_SCORE),
        (with_thresholds(model, link=weight + 1, review=weight - 1), Outcome.REVIEW),
        (with_thresholds(model, link=weight + 2, review=weight + 1), Outcome.NO_MATCH),
    ]
    for m, expected in cases:
        index = CandidateIndex(m)
        index.add("child-1", person("a"))
        assert index.match(person("b", family_name="Hartely")).outcome is expected


def _weight_of_typo_pair(model: MatchModel) -> float:
    index = CandidateIndex(model)
    index.add("child-1", person("a"))
    weight = index.match(person("b", family_name="Hartely")).match_weight
    assert weight is not None
    return weight


def test_two_children_scoring_alike_go_to_review(model: MatchModel) -> None:
    index = CandidateIndex(with_thresholds(model, link=0.0, review=-5.0))
    index.add("child-1", person("a", postcode="PR1 2AB"))
    index.add("child-2", person("b", postcode="PR1 2AD"))
    decision = index.match(person("q", postcode=None))
    assert decision.outcome is Outcome.REVIEW
    assert "almost as well" in decision.reason


def test_clearly_different_given_name_is_never_auto_linked(index: CandidateIndex) -> None:
    # A twin: same family, birthday and home, different given name.
    index.add("twin-1", person("a", given_name="Oliver"))
    decision = index.match(person("b", given_name="Harriet", sex="M"))
    assert decision.outcome is not Outcome.LINK_SCORE


def test_same_nhs_number_and_compatible_details_links_by_identifier(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    decision = index.match(
        person("b", nhs_number=NHS_A, given_name="Ollie", family_name="Smith", postcode=None)
    )
    assert decision.outcome is Outcome.LINK_IDENTIFIER
    assert decision.candidate_child_id == "child-1"
    assert "NHS number" in decision.reason


def test_same_nhs_number_with_different_person_goes_to_review(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    other = person(
        "b", nhs_number=NHS_A, given_name="Harriet", sex="F", date_of_birth=date(2009, 11, 30)
    )
    decision = index.match(other)
    assert decision.outcome is Outcome.REVIEW
    assert decision.candidate_child_id == "child-1"
    assert "date of birth" in decision.reason and "given name" in decision.reason


def test_different_valid_nhs_numbers_are_never_auto_linked(model: MatchModel) -> None:
    index = CandidateIndex(with_thresholds(model, link=-50.0, review=-60.0))
    index.add("child-1", person("a", nhs_number=NHS_A, upn=UPN_A))
    decision = index.match(person("b", nhs_number=NHS_B, upn=UPN_A))
    assert decision.outcome is Outcome.REVIEW


def test_invalid_nhs_number_is_ignored(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    decision = index.match(person("b", nhs_number="9434765918"))  # check digit wrong
    assert decision.outcome is Outcome.LINK_SCORE
    nhs = next(t for t in decision.explanation if t.comparison == "nhs_number")
    assert nhs.level == "missing" and nhs.weight == 0.0


def test_same_permanent_upn_links_by_identifier(index: CandidateIndex) -> None:
    index.add("child-1", person("a", upn=UPN_A, postcode="BB10 1AA"))
    decision = index.match(person("b", upn=UPN_A, family_name="Nowak"))
    assert decision.outcome is Outcome.LINK_IDENTIFIER
    assert "UPN" in decision.reason


def test_identifier_on_two_children_goes_to_review(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    index.add("child-2", person("b", nhs_number=NHS_A, postcode="BB10 1AA"))
    decision = index.match(person("q", nhs_number=NHS_A))
    assert decision.outcome is Outcome.REVIEW
    assert "more than one child" in decision.reason


@pytest.mark.parametrize("upn", ["M80120000005B"])
def test_temporary_upn_is_not_a_direct_link(index: CandidateIndex, upn: str) -> None:
    from hub.identifiers import is_temporary_upn, is_valid_upn

    if not (is_valid_upn(upn) and is_temporary_upn(upn)):
        pytest.skip("example is not a valid temporary UPN")
    index.add("child-1", person("a", upn=upn))
    decision = index.match(person("b", upn=upn, given_name="Harriet", sex="F"))
    assert decision.outcome is not Outcome.LINK_IDENTIFIER


def test_missing_given_name_is_never_auto_linked(index: CandidateIndex) -> None:
    index.add("child-1", person("a"))
    decision = index.match(person("b", given_name=None))
    assert decision.outcome is Outcome.REVIEW and decision.candidate_child_id == "child-1"


def test_different_sex_is_never_auto_linked(index: CandidateIndex) -> None:
    # Boy/girl twins where one record has only an initial look alike on everything else.
    index.add("child-1", person("a", given_name="Oliver", sex="M"))
    assert index.match(person("b", given_name="Olivia", sex="F")).outcome is not Outcome.LINK_SCORE
    assert index.match(person("c", given_name="O", sex="F")).outcome is not Outcome.LINK_SCORE
