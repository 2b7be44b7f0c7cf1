"""Normalise a `PersonRecord` once into the compact `Prepared` form the matcher compares.

Names are folded (accents removed, upper case, punctuation to spaces) and get their
phonetic codes and nickname groups; a UK postcode is split into sector, district and
area, any other postcode is kept as a plain string (``PostcodeParts.uk`` is False);
the home (postcode and free-text address together) becomes a `HomeParts` with the
address's word tokens and house number; identifiers are validated with
`hub.identifiers` (an invalid one is treated as missing: it is never evidence). Parts of
names, postcodes, homes and dates are cached and shared between records, which keeps a
million-record index small and preparation fast.
"""

import re
import unicodedata
from datetime import date
from functools import lru_cache

import jellyfish

from hub.identifiers import is_temporary_upn, normalise_nhs_number, normalise_upn
from hub.identity.nicknames import nickname_groups
from hub.identity.records import PersonRecord

__all__ = [
    "FIELD_POSITIONS",
    "HomeParts",
    "NameParts",
    "PostcodeParts",
    "Prepared",
    "fold",
    "parse_postcode",
    "parse_sex",
    "prepare",
    "prepare_name",
    "swapped_names",
]

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_NON_LETTER = re.compile(r"[^A-Z ]+")
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")
_NUMBER = re.compile(r"\d+")
_SEX = {"M": "M", "MALE": "M", "BOY": "M", "1": "M", "F": "F", "FEMALE": "F", "GIRL": "F", "2": "F"}
_CACHE_LIMIT = 500_000
# Position of each compared field in ``Prepared.vals``.
FIELD_POSITIONS = {
    "given_name": 0, "family_name": 1, "date_of_birth": 2, "sex": 3, "postcode": 4,
    "nhs_number": 5, "upn": 6, "home": 7,
}  # fmt: skip


class NameParts:
    """A folded name: full form, comparison key, phonetic codes, tokens, nickname groups."""

    __slots__ = (
        "canon_soundex",
        "full",
        "groups",
        "initial",
        "key",
        "metaphone",
        "soundex",
        "tokens",
    )

    def __init__(self, full: str, key: str) -> None:
        self.full = full
        self.key = key
        self.tokens = frozenset(full.split())
        self.metaphone = jellyfish.metaphone(key)
        self.soundex = jellyfish.soundex(key)
        self.initial = key[0]
        self.groups = nickname_groups(key)
        # Soundex of the formal name (Alfie -> ALFRED): lets blocking find nicknames.
        self.canon_soundex = jellyfish.soundex(min(self.groups)) if self.groups else self.soundex


class PostcodeParts:
    """A UK postcode split into full (``PR1 2AB``), sector (``PR1 2``), district, area.

    Any other postcode (``4011``, ``75001``) keeps its letters and digits as ``full``;
    its sector, district and area are None, so only string levels apply to it.
    """

    __slots__ = ("area", "district", "full", "sector", "uk")

    def __init__(self, outward: str, inward: str | None) -> None:
        self.uk = inward is not None
        self.full = outward if inward is None else f"{outward} {inward}"
        self.sector: str | None = None
        self.district: str | None = None
        self.area: str | None = None
        if inward is not None:
            self.sector = f"{outward} {inward[0]}"
            self.district = outward
            self.area = outward[:2] if outward[1].isalpha() else outward[:1]


class HomeParts:
    """Where a person lives: postcode plus the free-text address's tokens and house number.

    Postcode and address are one comparison: within a household they are not
    independent evidence (siblings share both), so the model weighs them together.
    """

    __slots__ = ("letters", "number", "postcode", "tokens")

    def __init__(self, postcode: PostcodeParts | None, address: str | None) -> None:
        self.postcode = postcode
        words = fold_alnum(address) if address else ""
        self.tokens: frozenset[str] = frozenset(words.split())
        found = _NUMBER.search(words)
        self.number = found.group(0) if found else None
        # The address's letters alone (no digits, no spaces): survives split or joined words.
        self.letters = "".join(ch for ch in words if ch.isalpha())


class Prepared:
    """The compact, comparison-ready form of one record (one per record in the index)."""

    __slots__ = (
        "dob",
        "family",
        "given",
        "home",
        "nhs",
        "postcode",
        "record_id",
        "sex",
        "upn",
        "upn_permanent",
        "vals",
    )

    def __init__(self, record: PersonRecord) -> None:
        self.record_id = record.record_id
        self.given = prepare_name(record.given_name, first_token=True)
        self.family = prepare_name(record.family_name, first_token=False)
        self.dob = _prepare_dob(record.date_of_birth)
        self.sex = parse_sex(record.sex)
        self.postcode = parse_postcode(record.postcode)
        self.nhs = _nhs(record.nhs_number) if record.nhs_number else None
        self.upn, self.upn_permanent = _upn(record.upn) if record.upn else (None, False)
        self.home = prepare_home(self.postcode, record.address)
        # The compared values by position (see FIELD_POSITIONS): the hot loop indexes this.
        self.vals = (
            self.given, self.family, self.dob, self.sex, self.postcode, self.nhs, self.upn,
            self.home,
        )  # fmt: skip


_NHS_WEIGHTS = (10, 9, 8, 7, 6, 5, 4, 3, 2, 1)


@lru_cache(maxsize=65_536)  # a child's identifiers repeat on every event about them
def _nhs(raw: str) -> str | None:
    # Fast path for the usual form (ten digits, maybe spaced); same rule as
    # hub.identifiers (weights 10..1 over all ten digits, total divisible by 11).
    digits = raw.replace(" ", "")
    if len(digits) == 10 and digits.isascii() and digits.isdigit():
        total = sum(w * (ord(c) - 48) for w, c in zip(_NHS_WEIGHTS, digits, strict=True))
        return digits if total % 11 == 0 else None
    return normalise_nhs_number(raw)


@lru_cache(maxsize=65_536)
def _upn(raw: str) -> tuple[str | None, bool]:
    upn = normalise_upn(raw)
    return upn, upn is not None and not is_temporary_upn(upn)


# Letters that NFKD does not decompose into a base letter plus accent.
_SPECIAL = str.maketrans(
    {"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ß": "ss", "Æ": "AE", "æ": "ae", "Œ": "OE",
     "œ": "oe", "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th", "ð": "d", "\u0131": "i"}
)  # fmt: skip


def fold(text: str) -> str:
    """Upper case, accents removed, anything but letters to single spaces."""
    if text.isascii():
        ascii_only = text.upper()
    else:
        decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
        ascii_only = decomposed.encode("ascii", "ignore").decode("ascii").upper()
    return " ".join(_NON_LETTER.sub(" ", ascii_only.replace("'", "")).split())


def fold_alnum(text: str) -> str:
    """Like `fold` but keeping digits (house numbers, postcodes)."""
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
        text = decomposed.encode("ascii", "ignore").decode("ascii")
    return " ".join(_NON_ALNUM.sub(" ", text.upper().replace("'", "")).split())


_NAMES: dict[tuple[str, bool], NameParts | None] = {}
_HOMES: dict[tuple[str | None, str | None], HomeParts | None] = {}
_POSTCODES: dict[str, PostcodeParts | None] = {}
_DATES: dict[date, tuple[int, int, int]] = {}


def prepare_name(raw: str | None, *, first_token: bool) -> NameParts | None:
    """Given names compare on their first token; family names on all tokens joined."""
    if raw is None:
        return None
    cached = _NAMES.get((raw, first_token), _NAMES)
    if cached is not _NAMES:
        return cached  # type: ignore[return-value]
    full = fold(raw)
    parts = None
    if full:
        key = full.split()[0] if first_token else full.replace(" ", "")
        parts = NameParts(full, key)
    _remember(_NAMES, (raw, first_token), parts)
    return parts


def parse_postcode(raw: str | None) -> PostcodeParts | None:
    """A UK postcode's parts, or any other postcode as a plain string; None when empty."""
    if raw is None:
        return None
    cached = _POSTCODES.get(raw, _POSTCODES)
    if cached is not _POSTCODES:
        return cached  # type: ignore[return-value]
    text = fold_alnum(raw).replace(" ", "")
    found = _POSTCODE.match(text)
    if found:
        parts: PostcodeParts | None = PostcodeParts(found.group(1), found.group(2))
    else:
        parts = PostcodeParts(text, None) if text else None
    _remember(_POSTCODES, raw, parts)
    return parts


def prepare_home(postcode: PostcodeParts | None, address: str | None) -> HomeParts | None:
    """The home of a record; None when it has neither postcode nor address."""
    key = (postcode.full if postcode else None, address)
    cached = _HOMES.get(key, _HOMES)
    if cached is not _HOMES:
        return cached  # type: ignore[return-value]
    home = HomeParts(postcode, address) if postcode or address else None
    if home is not None and not home.tokens and postcode is None:
        home = None  # an address of punctuation only
    _remember(_HOMES, key, home)
    return home


def parse_sex(raw: str | None) -> str | None:
    """``M`` or ``F``; unknown, indeterminate or unrecognised values are missing."""
    return _SEX.get(raw.strip().upper()) if raw else None


def swapped_names(p: Prepared) -> Prepared:
    """A copy of a prepared record with given and family names exchanged."""
    q = object.__new__(Prepared)
    for name in Prepared.__slots__:
        setattr(q, name, getattr(p, name))
    q.given, q.family = p.family, p.given
    q.vals = (q.given, q.family, *p.vals[2:])
    return q


def _prepare_dob(value: date | None) -> tuple[int, int, int] | None:
    if value is None:
        return None
    cached = _DATES.get(value)
    if cached is None:
        cached = (value.year, value.month, value.day)
        _remember(_DATES, value, cached)
    return cached


def _remember(cache: dict, key: object, value: object) -> None:
    # Caches hold distinct names/postcodes/dates; bound them for very long runs.
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value


def prepare(record: PersonRecord) -> Prepared:
    """Normalise a record once; the result is what indexes and comparisons use."""
    return Prepared(record)
