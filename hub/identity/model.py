"""The matching model as data: a versioned JSON file validated by pydantic.

A model holds blocking rules, comparisons with ordered levels (first level that
applies wins; the last is always ``else``), Fellegi-Sunter m and u per level, term
frequencies for common names, the prior λ, identifier rules and two thresholds on
the total match weight in bits. ``default_model()`` is the file shipped in
``hub/identity/models/default.json``; ``send-hub link train`` writes new ones.
"""

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hub.errors import InputError

__all__ = [
    "FIELD_KINDS",
    "BlockKey",
    "BlockingRule",
    "Comparison",
    "FieldName",
    "IdentifierRule",
    "Level",
    "MatchModel",
    "Thresholds",
    "TrainingInfo",
    "default_model",
    "model_json",
    "parse_model",
]

FieldName = Literal[
    "given_name", "family_name", "date_of_birth", "sex", "postcode", "nhs_number", "upn", "home"
]
_NAME_KINDS = frozenset(
    {"exact", "token_overlap", "nickname", "jaro_winkler", "metaphone", "soundex", "initial",
     "damerau_levenshtein"}
)  # fmt: skip
_POSTCODE_KINDS = frozenset({"exact", "sector", "district", "area", "postcode_typo"})
# Levels whose threshold is a similarity (JW, address) or a maximum edit distance (DL).
_THRESHOLD_KINDS = frozenset(
    {"jaro_winkler", "damerau_levenshtein", "same_home", "address", "street"}
)
_EXACT_ONLY = frozenset({"exact"})
# Which level kinds each field supports (besides the final ``else``).
FIELD_KINDS: dict[str, frozenset[str]] = {
    "given_name": _NAME_KINDS,
    "family_name": _NAME_KINDS,
    "date_of_birth": frozenset(
        {"exact", "transposed", "typo", "year_off_by_one", "one_component", "same_year"}
    ),
    "postcode": _POSTCODE_KINDS,
    "home": (_POSTCODE_KINDS - {"exact"}) | {"same_home", "address", "street", "postcode"},
    "sex": _EXACT_ONLY,
    "nhs_number": _EXACT_ONLY,
    "upn": _EXACT_ONLY,
}
BlockKey = Literal[
    "nhs_number", "upn", "dob", "dob_unordered", "birth_year", "birth_year_month",
    "birth_year_day", "birth_month_day", "given_soundex", "given_formal_soundex",
    "family_soundex", "given_metaphone", "family_metaphone", "given_initial", "family_initial",
    "postcode", "postcode_sector", "postcode_district", "house_number", "street_word",
    "given_name", "family_name", "names_unordered",
]  # fmt: skip


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Level(_Frozen):
    """One ordered level of a comparison with its Fellegi-Sunter probabilities."""

    label: str
    kind: str
    threshold: float | None = None
    description: str
    m: float = Field(gt=0, le=1)
    u: float = Field(gt=0, le=1)
    tf_adjust: bool = False
    compatible: bool = True  # False: the fields disagree (identifier rules use it)
    review_cap: bool = False  # True: a pair at this level is never auto-linked by score

    @property
    def weight(self) -> float:
        """log2(m/u): bits of evidence for a match."""
        return math.log2(self.m / self.u)


class Comparison(_Frozen):
    """How one field is compared: ordered levels, the last being ``else``."""

    name: str
    field: FieldName
    null_description: str
    null_review_cap: bool = False  # True: a pair missing this field is never auto-linked
    levels: list[Level] = Field(min_length=2)
    # Keep m from domain knowledge instead of EM (e.g. one child rarely has two valid
    # NHS numbers, but EM would read twins as matches that disagree on them).
    fixed_m: bool = False

    @model_validator(mode="after")
    def _check_levels(self) -> Self:
        allowed = FIELD_KINDS[self.field]
        if self.levels[-1].kind != "else":
            raise ValueError(f"{self.name}: the last level must be 'else'")
        for level in self.levels[:-1]:
            if level.kind not in allowed:
                raise ValueError(f"{self.name}: level kind {level.kind!r} not allowed")
            if (level.kind in _THRESHOLD_KINDS) != (level.threshold is not None):
                raise ValueError(
                    f"{self.name}: {level.kind} levels "
                    + ("need a threshold" if level.kind in _THRESHOLD_KINDS else "take none")
                )
        return self


class BlockingRule(_Frozen):
    """Records are candidates when they share all these keys (none missing)."""

    name: str
    keys: list[BlockKey] = Field(min_length=1)
    # A broad rule (names alone, house number and street) helps small files; in a large
    # index its blocks are big, and a smaller cap skips them there (other rules cover).
    max_block: int | None = Field(default=None, ge=2)


class IdentifierRule(_Frozen):
    """Same valid identifier links unless a listed comparison is at an incompatible level."""

    identifier: Literal["nhs_number", "upn"]
    conflict_if_incompatible: list[str]
    permanent_only: bool = False  # UPN: temporary UPNs are not trusted for a direct link


class Thresholds(_Frozen):
    """Total match weight (bits) needed to auto-link / to send to review."""

    link: float
    review: float
    margin: float = Field(ge=0)  # best must beat the runner-up child by this to auto-link

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.review > self.link:
            raise ValueError("the review threshold must not exceed the link threshold")
        return self


class TermFrequencies(_Frozen):
    """Relative frequency of common values of one comparison's field (from training)."""

    comparison: str
    min_frequency: float = Field(gt=0, le=1)  # used for values not listed (rarer ones)
    frequencies: dict[str, float]


class TrainingInfo(_Frozen):
    """Where the probabilities came from (no labels are ever used)."""

    records: int
    u_pairs_sampled: int
    em_sessions: list[str]
    notes: str = ""


class MatchModel(_Frozen):
    """A complete, versioned matching model."""

    format: Literal[1] = 1
    id: str
    version: str
    description: str = ""
    nicknames: str = "nicknames-en-GB"
    prior: float = Field(gt=0, lt=1)
    blocking: list[BlockingRule] = Field(min_length=1)
    # Extra rules for bulk linkage of two files only: broad keys (names alone, house
    # number and street...) that find more pairs in files of thousands but would make
    # every streaming query against a million children compare many more records.
    bulk_blocking: list[BlockingRule] = []
    # Blocks holding more records than this are skipped (see blocking.py).
    max_block: int = Field(default=500, ge=2)
    # Training: EM runs once per rule; the first also gives the prior (see training.py).
    em_blocking: list[BlockingRule] = []
    comparisons: list[Comparison] = Field(min_length=1)
    identifier_rules: list[IdentifierRule] = []
    thresholds: Thresholds
    term_frequencies: list[TermFrequencies] = []
    training: TrainingInfo | None = None

    @property
    def label(self) -> str:
        """``id@version``, stored with every decision."""
        return f"{self.id}@{self.version}"

    @property
    def prior_weight(self) -> float:
        """log2(λ / (1 - λ)): the starting point of every total."""
        return math.log2(self.prior / (1 - self.prior))

    @model_validator(mode="after")
    def _references(self) -> Self:
        names = {c.name for c in self.comparisons}
        if len(names) != len(self.comparisons):
            raise ValueError("comparison names must be unique")
        used: set[str] = {r.identifier for r in self.identifier_rules}
        used |= {n for r in self.identifier_rules for n in r.conflict_if_incompatible}
        used |= {t.comparison for t in self.term_frequencies}
        unknown = used - names - {"nhs_number", "upn"}
        if unknown:
            raise ValueError(f"unknown comparisons referenced: {sorted(unknown)}")
        return self


def parse_model(text: str, source: str) -> MatchModel:
    """Validate a model file's text; any problem is one `InputError` line naming ``source``."""
    try:
        return MatchModel.model_validate(json.loads(text))
    except json.JSONDecodeError as exc:
        raise InputError(f"{source} is not a valid matching model: bad JSON ({exc})") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "model"
        raise InputError(f"{source} is not a valid matching model: {where}: {err['msg']}") from exc


def model_json(model: MatchModel) -> str:
    """A model as indented JSON (stable key order, diff-friendly), as its file holds it."""
    return model.model_dump_json(indent=1) + "\n"


@lru_cache(maxsize=1)
def default_model() -> MatchModel:
    """The model shipped with send-hub (trained on synthetic data, see models/README.md)."""
    # Shipped reference data read from the package (never a user's file: see hub.files).
    text = resources.files("hub.identity").joinpath("models", "default.json").read_text("utf-8")
    return parse_model(text, "the shipped model")
