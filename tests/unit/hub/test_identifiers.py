"""Identifier checks against docs/domain.md, identifiers examples and generated cases."""

import random

import pytest

from hub.identifiers import (
    check_nhs_number,
    check_uln,
    check_upn,
    is_temporary_upn,
    is_valid_nhs_number,
    is_valid_uln,
    is_valid_upn,
    make_nhs_number,
    make_uln,
    make_upn,
    normalise_nhs_number,
)


def test_nhs_number_domain_example_is_valid_with_spaces() -> None:
    assert normalise_nhs_number("943 476 5919") == "9434765919"


@pytest.mark.parametrize("raw", ["9434765918", "943476591", "94347659190", "94347A5919", ""])
def test_nhs_number_invalid_examples(raw: str) -> None:
    assert not is_valid_nhs_number(raw)


def test_nhs_number_reason_names_the_check_digit() -> None:
    assert check_nhs_number("9434765918").error == "NHS number: check digit does not match"


def test_nhs_number_check_of_ten_is_never_valid() -> None:
    rng = random.Random(7)
    tens = 0
    for _ in range(2000):
        nine = f"{rng.randrange(10**8, 10**9)}"
        total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
        made = make_nhs_number(nine)
        if 11 - total % 11 == 10:
            tens += 1
            assert made is None
            assert not any(is_valid_nhs_number(nine + str(d)) for d in range(10))
        else:
            assert made is not None and is_valid_nhs_number(made)
    assert tens > 0


def test_upn_domain_examples() -> None:
    assert is_valid_upn("B801200005001")
    assert is_valid_upn("P207000016049")  # worked example: 266 mod 23 = 13 -> P
    assert not is_valid_upn("Q207000016049")  # the vendor page's "Q" is wrong
    assert check_upn("A801200005001").error == "UPN: check digit does not match"


def test_upn_lowercase_is_normalised() -> None:
    assert check_upn("b801200005001").value == "B801200005001"


def test_generated_upns_are_valid_and_temporary_ones_end_in_a_letter() -> None:
    for serial in range(0, 2000, 37):
        permanent = make_upn(888, 2001, 24, serial, temporary=False)
        temporary = make_upn(888, 2001, 24, serial, temporary=True)
        assert is_valid_upn(permanent) and not is_temporary_upn(permanent)
        assert is_valid_upn(temporary) and is_temporary_upn(temporary)


def test_upn_single_character_change_is_caught() -> None:
    upn = make_upn(889, 4000, 23, 123, temporary=False)
    for pos in range(4, 13):
        changed = upn[:pos] + str((int(upn[pos]) + 1) % 10) + upn[pos + 1 :]
        assert not is_valid_upn(changed)


def test_uln_domain_example_and_generated() -> None:
    assert is_valid_uln("9276308686")
    assert not is_valid_uln("9276308687")
    assert check_uln("0276308686").error == "ULN: wrong characters"
    rng = random.Random(3)
    for _ in range(500):
        made = make_uln(f"{rng.randrange(10**8, 10**9)}")
        assert made is None or is_valid_uln(made)


def test_no_string_is_both_a_valid_nhs_number_and_a_valid_uln() -> None:
    rng = random.Random(11)
    for _ in range(20000):
        value = f"{rng.randrange(10**9, 10**10)}"
        assert not (is_valid_nhs_number(value) and is_valid_uln(value))
