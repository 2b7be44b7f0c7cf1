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
        ("Jonathon", "Jonathan", "one_edit"),
        ("Cristopher", "Christopher", "one_edit"),
        ("Mathias", "Matthias", "one_edit"),
        ("Oilver", "Oliver", "one_edit"),  # transposition: one Damerau-Levenshtein edit
        ("Amelia", "Amalie", "two_edits"),
        ("Christopher", "Christofer", "jw_0.92"),
        ("Katelin", "Caitlyn", "sounds_alike"),
        ("O", "Oliver", "initial"),
        ("Oliver", "Harriet", "different"),
        ("Oliver", None, "missing"),
    ],
)
def test_given_name_levels(model: MatchModel, a: str, b: str | None, expected: str) -> None:
    assert level(model, "given_name", {"given_name": a}, {"given_name": b}) == expected


def test_jaro_winkler_lower_band(model: MatchModel) -> None:
    # One edit apart is its own, stronger level; JW("MATTHEW", "MATHEU") = 0.894.
    assert (
        level(model, "family_name", {"family_name": "Brown"}, {"family_name": "Brawn"})
        == "one_edit"
    )
    assert (
        level(model, "family_name", {"family_name": "Matthew"}, {"family_name": "Matheu"})
        == "jw_0.88"
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Smith-Jones", "smith jones", "exact"),
        ("O'Brien", "OBrien", "exact"),
        ("Smith-Jones", "Jones", "shared_part"),
        ("Hartley", "Hartely", "one_edit"),
        ("Thompson", "Thomson", "one_edit"),
        ("Hartley", "Hatrleey", "jw_0.92"),
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
        (date(2015, 3, 7), date(2015, 3, 8), "one_typo"),
        (date(2015, 3, 7), date(2016, 3, 7), "one_typo"),
        (date(2015, 3, 7), date(2015, 9, 7), "one_typo"),
        (date(2019, 3, 7), date(2020, 3, 7), "year_off_by_one"),
        (date(2015, 3, 7), date(2015, 3, 28), "one_part_differs"),
        (date(2015, 3, 7), date(2015, 10, 21), "same_year"),
        (date(2015, 3, 7), date(2012, 11, 30), "different"),
        (date(2015, 3, 3), date(2015, 3, 3), "exact"),
        (None, date(2015, 3, 3), "missing"),
    ],
)
def test_date_of_birth_levels(model: MatchModel, a: date, b: date, expected: str) -> None:
    assert level(model, "date_of_birth", {"date_of_birth": a}, {"date_of_birth": b}) == expected


HOME = ("PR1 2AB", "12 Station Road, Preston")


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (HOME, ("pr12ab", "12 station road preston"), "same_home"),
        (HOME, ("PR1 2AB", "12 Staiton Road Preston"), "same_home"),  # a typo'd word still counts
        (HOME, ("BB10 2AB", "12 Station Road, Preston"), "same_address"),
        (HOME, (None, "12 Station Road Preston"), "same_address"),
        (HOME, ("PR1 2AB", "14 Station Road, Preston"), "same_street"),  # a neighbour
        (HOME, ("PR1 2AB", "3 Mill Lane, Preston"), "same_postcode"),
        (HOME, ("PR1 2AB", None), "same_home"),  # as far as known
        (HOME, ("PR2 9ZZ", "12 Station Road"), "same_address"),  # a line missing
        (HOME, ("PR2 9ZZ", "Station Road, Chorley"), "similar_address"),
        (("4011", "6 tullaroop street"), ("4101", "9 bega flats"), "postcode_typo"),
        (HOME, ("PR1 2XY", "3 Mill Lane"), "sector"),
        (HOME, ("PR1 7XY", "3 Mill Lane"), "district"),
        (HOME, ("BB10 2AB", "3 Mill Lane, Burnley"), "different"),
        (("4011", "6 tullaroop street"), ("2600", "8 bega flats"), "different"),
        (("PR1 2AB", None), (None, "12 Station Road"), "missing"),  # nothing comparable
        ((None, None), HOME, "missing"),
    ],
)
def test_home_levels(
    model: MatchModel, a: tuple[str | None, str | None], b: tuple[str | None, str | None],
    expected: str,
) -> None:  # fmt: skip
    one = {"postcode": a[0], "address": a[1]}
    two = {"postcode": b[0], "address": b[1]}
    assert level(model, "home", one, two) == expected


def test_rare_address_words_weigh_more_than_common_ones() -> None:
    from hub.identity.address import address_similarity, token_weights

    weights = token_weights({"STREET": 0.4, "ROAD": 0.3, "12": 0.02}, 0.0001)
    a = frozenset({"12", "TULLAROOP", "STREET"})
    # Sharing the rare street name beats sharing the common word "STREET".
    rare = address_similarity(a, frozenset({"14", "TULLAROOP", "ROAD"}), weights)
    common = address_similarity(a, frozenset({"12", "GIBLIN", "STREET"}), weights)
    assert rare > common
    assert address_similarity(a, a, weights) == 1.0
    assert address_similarity(a, frozenset({"9", "BEGA"}), weights) == 0.0


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
        "given_name": {"exact", "shared_part", "nickname", "one_edit", "jw_0.92", "jw_0.88",
                       "two_edits", "sounds_alike", "initial", "different"},
        "family_name": {"exact", "shared_part", "one_edit", "jw_0.92", "jw_0.88", "two_edits",
                        "sounds_alike", "different"},
        "date_of_birth": {"exact", "day_month_swapped", "one_typo", "year_off_by_one",
                          "one_part_differs", "same_year", "different"},
        "home": {"same_home", "same_address", "same_street", "same_postcode", "similar_address",
                 "postcode_typo", "sector", "district", "different"},
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
