"""Every decision carries its explanation: sentences, levels and weights that add up."""

from datetime import date

import pytest

from hub.identity.index import CandidateIndex
from hub.identity.model import MatchModel
from hub.identity.scoring import compile_model, explain, score
from hub.identity.training import train
from tests.unit.identity.conftest import NHS_A, person, prep


def test_terms_and_prior_sum_to_the_total(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    decision = index.match(person("b", given_name="Ollie", date_of_birth=date(2015, 7, 3)))
    assert decision.match_weight is not None
    total = decision.prior + sum(t.weight + t.tf_adjustment for t in decision.explanation)
    assert total == pytest.approx(decision.match_weight)
    assert decision.tf_adjustment == pytest.approx(
        sum(t.tf_adjustment for t in decision.explanation)
    )
    assert {t.comparison for t in decision.explanation} == {c.name for c in index.model.comparisons}


def test_sentences_name_the_level_and_its_weight(index: CandidateIndex) -> None:
    index.add("child-1", person("a"))
    decision = index.match(person("b", given_name="Ollie", date_of_birth=date(2015, 7, 3)))
    by_name = {t.comparison: t for t in decision.explanation}
    dob = by_name["date_of_birth"]
    assert dob.level == "day_month_swapped"
    assert dob.sentence == f"Date of birth has day and month swapped ({dob.weight:+.1f})"
    assert by_name["given_name"].level == "nickname"
    assert "nickname" in by_name["given_name"].sentence
    assert by_name["nhs_number"].sentence.startswith("NHS number is missing")
    assert by_name["nhs_number"].weight == 0.0


def test_explanation_total_equals_the_fast_score(model: MatchModel) -> None:
    cm = compile_model(model)
    a, b = prep("a"), prep("b", family_name="Hartely", postcode="PR1 2XY", sex=None)
    terms, total = explain(cm, a, b)
    assert total == pytest.approx(score(cm, a, b)[0])
    assert len(terms) == len(model.comparisons)


def test_explanations_hold_no_personal_values(index: CandidateIndex) -> None:
    index.add("child-1", person("a", nhs_number=NHS_A))
    decision = index.match(person("b", nhs_number=NHS_A))
    text = decision.model_dump_json()
    for value in ("Oliver", "OLIVER", "Hartley", "HARTLEY", NHS_A, "2015-03-07", "PR1 2AB"):
        assert value not in text


def _letters(n: int) -> str:
    # Names fold to letters only, so make distinct names from letters.
    return "Q" + "".join("abcdefghij"[int(d)] for d in f"{n:04d}")


def test_common_names_weigh_less_than_rare_ones() -> None:
    records = [
        person(f"s{i}", family_name="Smith", given_name=_letters(i % 40)) for i in range(300)
    ]
    records += [person(f"r{i}", family_name=_letters(i), given_name="Zebedee") for i in range(300)]
    trained = train(records, u_pairs=20_000)
    cm = compile_model(trained)
    common, _ = explain(cm, prep("a", family_name="Smith"), prep("b", family_name="Smith"))
    rare, _ = explain(cm, prep("a", family_name=_letters(7)), prep("b", family_name=_letters(7)))
    family_common = next(t for t in common if t.comparison == "family_name")
    family_rare = next(t for t in rare if t.comparison == "family_name")
    assert family_common.tf_adjustment < 0 < family_rare.tf_adjustment
    assert "common" in family_common.sentence and "uncommon" in family_rare.sentence
