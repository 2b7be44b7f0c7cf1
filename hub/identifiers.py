"""National identifiers of a child: NHS number, UPN and ULN (docs/domain.md, identifiers).

Validation returns ok-or-error (`IdCheck`) so callers can record *why* an
identifier was not trusted instead of silently dropping it. NHS numbers and
UPNs use python-stdnum (modulus 11; UPN check letter over positions 2-13,
temporary UPNs included); the ULN has no stdnum module, so its check is here.
The ``make_*`` functions build valid identifiers for synthetic data and tests.
"""

from dataclasses import dataclass
from typing import Literal

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, ValidationError
from stdnum.gb import nhs as _nhs
from stdnum.gb import upn as _upn

__all__ = [
    "IdCheck",
    "IdKind",
    "check_nhs_number",
    "check_uln",
    "check_upn",
    "is_temporary_upn",
    "is_valid_nhs_number",
    "is_valid_uln",
    "is_valid_upn",
    "make_nhs_number",
    "make_uln",
    "make_upn",
    "normalise_nhs_number",
    "normalise_upn",
]

IdKind = Literal["nhs_number", "upn", "uln"]

# UPN check letters: 0-22 map to A-Z without I, O and S (DfE UPN specification).
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_ULN_WEIGHTS = range(10, 0, -1)


@dataclass(frozen=True, slots=True)
class IdCheck:
    """Outcome of checking one identifier: the normalised value or the reason it failed."""

    kind: IdKind
    value: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _reason(exc: ValidationError) -> str:
    if isinstance(exc, InvalidChecksum):
        return "check digit does not match"
    if isinstance(exc, InvalidComponent):
        return "unknown local authority number"
    if isinstance(exc, InvalidFormat):
        return "wrong characters"
    return "wrong length"


def check_nhs_number(raw: str) -> IdCheck:
    """Modulus-11 check; a computed check digit of 10 is never issued so it never validates."""
    try:
        return IdCheck("nhs_number", _nhs.validate(raw))
    except ValidationError as exc:
        return IdCheck("nhs_number", None, f"NHS number: {_reason(exc)}")


def check_upn(raw: str) -> IdCheck:
    """Check letter over positions 2-13 mod 23; a temporary UPN's final letter counts by value."""
    try:
        return IdCheck("upn", _upn.validate(raw))
    except ValidationError as exc:
        return IdCheck("upn", None, f"UPN: {_reason(exc)}")


def check_uln(raw: str) -> IdCheck:
    """ULN: ten digits, first non-zero, sum of digit x (10..1) congruent to 10 mod 11."""
    value = raw.replace(" ", "").strip()
    if len(value) != 10:
        return IdCheck("uln", None, "ULN: wrong length")
    if not value.isdigit() or value[0] == "0":
        return IdCheck("uln", None, "ULN: wrong characters")
    if sum(int(d) * w for d, w in zip(value, _ULN_WEIGHTS, strict=True)) % 11 != 10:
        return IdCheck("uln", None, "ULN: check digit does not match")
    return IdCheck("uln", value)


def is_valid_nhs_number(raw: str | None) -> bool:
    return bool(raw) and check_nhs_number(raw or "").ok


def is_valid_upn(raw: str | None) -> bool:
    return bool(raw) and check_upn(raw or "").ok


def is_valid_uln(raw: str | None) -> bool:
    return bool(raw) and check_uln(raw or "").ok


def normalise_nhs_number(raw: str | None) -> str | None:
    """The 10-digit form of a valid NHS number, else None (invalid numbers are never trusted)."""
    return check_nhs_number(raw).value if raw else None


def normalise_upn(raw: str | None) -> str | None:
    """The upper-case 13-character form of a valid UPN, else None."""
    return check_upn(raw).value if raw else None


def is_temporary_upn(upn: str) -> bool:
    """Temporary UPNs end in a letter (2-digit serial plus a letter)."""
    return len(upn) == 13 and upn[-1].isalpha()


def make_nhs_number(first_nine: str) -> str | None:
    """Append the modulus-11 check digit; None when the check would be 10 (never issued)."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 10:
        return None
    return first_nine + str(0 if check == 11 else check)


def make_upn(la_number: int, establishment: int, year: int, serial: int, temporary: bool) -> str:
    """Build a valid UPN; a temporary one ends in a letter standing for the serial's last part."""
    if temporary:
        tail = f"{serial // 23 % 100:02d}{_UPN_LETTERS[serial % 23]}"
    else:
        tail = f"{serial % 1000:03d}"
    body = f"{la_number:03d}{establishment % 10000:04d}{year % 100:02d}{tail}"
    return _upn.calc_check_digit(body) + body


def make_uln(first_nine: str) -> str | None:
    """Append the ULN check digit; None when no digit satisfies the rule."""
    partial = sum(int(d) * w for d, w in zip(first_nine, _ULN_WEIGHTS, strict=False))
    for digit in range(10):
        if (partial + digit) % 11 == 10:
            return first_nine + str(digit)
    return None
