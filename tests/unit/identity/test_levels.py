"""Every comparison level of the default model is reached by the pairs it describes."""

from datetime import date

import pytest

from hub.identity.compare import NULL, compile_comparisons, level_of
from hub.identity.model import MatchModel
from tests.unit.identity.conftest import NHS_A, NHS_B, UPN_A, prep


def level(model: MatchModel, comparison: str, a: dict, b: dict) -> str:
    compiled = {c.name: c for c in compile_comparisons(model)}[comparison]
    i = level_of(compiled, prep("a", **a), prep("b", **b))
    return "missing" if i == NULL else compiled.spec.levels[i].label


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Oliver", "OLIVER ", "exact"),
        ("Zoë", "Zoe", "exact"),
        ("Oliver James", "James", "shared_part"),
        ("Alfie", "Alfred", "nickname"),
        ("Billy", "William", "nickname"),
        ("Ellie", "Eleanor", "nickname"),
        ("Alex", "Alexander", "nickname"),
        ("Jonathon", "Jonathan", "jw_0.92"),
        ("Cristopher", "Christopher", "jw_0.92"),
        ("Mathias", "Matthias", "jw_0.92"),
        ("Katelin", "Caitlyn", "sounds_alike"),
        ("O", "Oliver", "initial"),
        ("Oliver", "Harriet", "different"),
        ("Oliver", None, "missing"),
    ],
)
def test_given_name_levels(model: MatchModel, a: str, b: str | None, expected: str) -> None:
    assert level(model, "given_name", {"given_name": a}, {"given_name": b}) == expected


def test_jaro_winkler_lower_band(model: MatchModel) -> None:
    # JW("BROWN", "BRAWN") = 0.893 and ("NOWAK", "NOWIK") = 0.907: in [0.88, 0.92).
    assert (
        level(model, "family_name", {"family_name": "Brown"}, {"family_name": "Brawn"}) == "jw_0.88"
    )
    assert (
        level(model, "family_name", {"family_name": "Nowak"}, {"family_name": "Nowik"}) == "jw_0.88"
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Smith-Jones", "smith jones", "exact"),
        ("O'Brien", "OBrien", "exact"),
        ("Smith-Jones", "Jones", "shared_part"),
        ("Hartley", "Hartely", "jw_0.92"),
        ("Thompson", "Thomson", "jw_0.92"),
        ("Philips", "Fillips", "sounds_alike"),
        ("Hartley", "Nowak", "different"),
        (None, "Nowak", "missing"),
    ],
)
def test_family_name_levels(model: MatchModel, a: str | None, b: str, expected: str) -> None:
    assert level(model, "family_name", {"family_name": a}, {"family_name": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2015, 3, 7), date(2015, 3, 7), "exact"),
        (date(2015, 3, 7), date(2015, 7, 3), "day_month_swapped"),
        (date(2015, 3, 7), date(2015, 3, 8), "one_part_differs"),
        (date(2015, 3, 7), date(2016, 3, 7), "one_part_differs"),
        (date(2015, 3, 7), date(2015, 9, 7), "one_part_differs"),
        (date(2015, 3, 7), date(2015, 10, 21), "same_year"),
        (date(2015, 3, 7), date(2012, 11, 30), "different"),
        (date(2015, 3, 3), date(2015, 3, 3), "exact"),
        (None, date(2015, 3, 3), "missing"),
    ],
)
def test_date_of_birth_levels(model: MatchModel, a: date, b: date, expected: str) -> None:
    assert level(model, "date_of_birth", {"date_of_birth": a}, {"date_of_birth": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("PR1 2AB", "pr12ab", "exact"),
        ("PR1 2AB", "PR1 2XY", "sector"),
        ("PR1 2AB", "PR1 7XY", "district"),
        ("PR1 2AB", "BB10 2AB", "different"),
        ("PR1 2AB", "not a postcode", "missing"),
    ],
)
def test_postcode_levels(model: MatchModel, a: str, b: str, expected: str) -> None:
    assert level(model, "postcode", {"postcode": a}, {"postcode": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("M", "male", "exact"),
        ("F", "M", "different"),
        ("F", "U", "missing"),
        ("girl", "F", "exact"),
    ],
)
def test_sex_levels(model: MatchModel, a: str, b: str, expected: str) -> None:
    assert level(model, "sex", {"sex": a}, {"sex": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (NHS_A, "943 476 5919", "exact"),
        (NHS_A, NHS_B, "different"),
        (NHS_A, "9434765918", "missing"),  # invalid check digit: ignored, not evidence
        (NHS_A, None, "missing"),
    ],
)
def test_nhs_number_levels(model: MatchModel, a: str, b: str | None, expected: str) -> None:
    assert level(model, "nhs_number", {"nhs_number": a}, {"nhs_number": b}) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (UPN_A, UPN_A.lower(), "exact"),
        (UPN_A, "A801200005001", "missing"),
        (UPN_A, None, "missing"),
    ],
)
def test_upn_levels(model: MatchModel, a: str, b: str | None, expected: str) -> None:
    assert level(model, "upn", {"upn": a}, {"upn": b}) == expected


def test_every_level_of_the_default_model_is_covered(model: MatchModel) -> None:
    # The parametrised cases above name each label; keep this list in step with the model.
    covered = {
        "given_name": {"exact", "shared_part", "nickname", "jw_0.92", "jw_0.88", "sounds_alike",
                       "initial", "different"},
        "family_name": {"exact", "shared_part", "jw_0.92", "jw_0.88", "sounds_alike", "different"},
        "date_of_birth": {"exact", "day_month_swapped", "one_part_differs", "same_year",
                          "different"},
        "postcode": {"exact", "sector", "district", "different"},
        "sex": {"exact", "different"},
        "nhs_number": {"exact", "different"},
        "upn": {"exact", "different"},
    }  # fmt: skip
    assert {c.name: {lv.label for lv in c.levels} for c in model.comparisons} == covered


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Łukasz", "LUKASZ"),
        ("Zoë", "ZOE"),
        ("Strauß", "STRAUSS"),
        ("José-María", "JOSE MARIA"),
        ("  o'brien  ", "OBRIEN"),
        ("Öztürk", "OZTURK"),
    ],
)
def test_names_are_folded_once(raw: str, folded: str) -> None:
    from hub.identity.normalise import fold

    assert fold(raw) == folded


def test_nhs_fast_path_agrees_with_hub_identifiers() -> None:
    import random

    from hub.identifiers import normalise_nhs_number
    from hub.identity.normalise import _nhs

    rng = random.Random(4)
    samples = ["943 476 5919", "9434765919", "943-476-5919", " 9434765919 ", "94347659l9"]
    samples += [f"{rng.randrange(10**10):010d}" for _ in range(20_000)]
    samples += [
        f"{rng.randrange(10**9):09d}",
        "".join(chr(0xFF10 + d) for d in range(10)),
    ]  # full-width digits
    for raw in samples:
        assert _nhs(raw) == normalise_nhs_number(raw), raw
