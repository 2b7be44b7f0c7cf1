"""Comparison levels evaluated on prepared records: the model's levels compiled for speed.

Each comparison of a `MatchModel` becomes a `CompiledComparison` holding its level
codes, weights (log2 m/u) and term-frequency adjustments, plus the evaluator for its
field type. ``level_of`` returns the index of the first level that applies, or
``NULL`` when either side is missing (a missing value is no evidence either way).
The home comparison (postcode and address together) scores addresses by token-set
similarity weighted by how rare each word is (`hub.identity.address`).
"""

import math
from collections.abc import Callable
from typing import Any

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from hub.identity.address import HomeLevels, token_weights
from hub.identity.model import Comparison, MatchModel
from hub.identity.normalise import FIELD_POSITIONS, NameParts, PostcodeParts

__all__ = ["NULL", "CompiledComparison", "compile_comparisons", "exact_level", "level_of"]

NULL = -1
_CODES = {
    "exact": 0, "token_overlap": 1, "nickname": 2, "jaro_winkler": 3, "metaphone": 4,
    "soundex": 5, "initial": 6, "transposed": 7, "one_component": 8, "same_year": 9,
    "sector": 10, "district": 11, "area": 12, "damerau_levenshtein": 13, "typo": 14,
    "year_off_by_one": 15, "same_home": 16, "address": 17, "postcode": 18, "postcode_typo": 19,
    "street": 20,
    "else": 99,
}  # fmt: skip
_ATTRS = {
    "given_name": "given", "family_name": "family", "date_of_birth": "dob", "sex": "sex",
    "postcode": "postcode", "nhs_number": "nhs", "upn": "upn", "home": "home",
}  # fmt: skip
_jw = JaroWinkler.similarity
_dl = DamerauLevenshtein.distance
Levels = tuple[tuple[int, float], ...]


class CachedNameLevels:
    """A name comparison's evaluator that remembers the level of each pair of names.

    Names repeat (a county has a few thousand), so most pairs were seen before. One per
    compiled comparison: the cache belongs to that comparison's levels.
    """

    __slots__ = ("cache",)
    LIMIT = 1_000_000

    def __init__(self) -> None:
        self.cache: dict[tuple[str, str], int] = {}

    def __call__(self, levels: Levels, a: NameParts, b: NameParts) -> int:
        if a is b and levels[0][0] == 0:
            return 0  # prepared names are shared objects: same object, same name
        key = (a.full, b.full)
        level = self.cache.get(key)
        if level is None:
            if len(self.cache) >= self.LIMIT:
                self.cache.clear()
            level = self.cache[key] = _name_level(levels, a, b)
        return level


def _name_level(levels: Levels, a: NameParts, b: NameParts) -> int:  # noqa: C901
    sim = -1.0
    for i, (code, param) in enumerate(levels):
        if code == 0:
            if a.full == b.full:
                return i
        elif code == 3:
            if sim < 0:
                sim = _jw(a.key, b.key)
            if sim >= param:
                return i
        elif code == 1:
            if not a.tokens.isdisjoint(b.tokens):
                return i
        elif code == 2:
            if a.groups and not a.groups.isdisjoint(b.groups):
                return i
        elif code in (4, 5):
            if (
                (a.metaphone and a.metaphone == b.metaphone)
                if code == 4
                else a.soundex == b.soundex
            ):
                return i
        elif code == 6:
            if (len(a.key) == 1 or len(b.key) == 1) and a.initial == b.initial:
                return i
        elif code == 13:
            if _dl(a.key, b.key, score_cutoff=int(param)) <= param:
                return i
        else:
            return i
    return len(levels) - 1


def _date_slip(code: int, a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    if code == 14:  # one digit of YYYYMMDD differs, or two neighbours are swapped
        if a[0] != b[0] and a[1] != b[1] and a[2] != b[2]:
            return False  # one edit changes at most two neighbouring parts
        return _dl(f"{a[0]:04d}{a[1]:02d}{a[2]:02d}", f"{b[0]:04d}{b[1]:02d}{b[2]:02d}",
                   score_cutoff=1) <= 1  # fmt: skip
    return a[1:] == b[1:] and abs(a[0] - b[0]) == 1  # year off by one


def _date_level(levels: Levels, a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    for i, (code, _) in enumerate(levels):
        if code == 0:
            if a == b:
                return i
        elif code == 7:
            if a[0] == b[0] and a[1] == b[2] and a[2] == b[1] and a[1] != a[2]:
                return i
        elif code == 8:
            if (a[0] == b[0]) + (a[1] == b[1]) + (a[2] == b[2]) == 2:
                return i
        elif code == 9:
            if a[0] == b[0]:
                return i
        elif code in (14, 15):
            if _date_slip(code, a, b):
                return i
        else:
            return i
    return len(levels) - 1


def postcode_agrees(code: int, a: PostcodeParts, b: PostcodeParts) -> bool:
    """Whether two postcodes reach a postcode level (UK parts only between UK postcodes)."""
    if code in (0, 18):
        return a.full == b.full
    if code == 19:
        return _dl(a.full, b.full, score_cutoff=1) <= 1
    if not (a.uk and b.uk):
        return False
    if code == 10:
        return a.sector == b.sector
    if code == 11:
        return a.district == b.district
    return code == 12 and a.area == b.area


def _postcode_level(levels: Levels, a: PostcodeParts, b: PostcodeParts) -> int:
    for i, (code, _) in enumerate(levels):
        if code == 99 or postcode_agrees(code, a, b):
            return i
    return len(levels) - 1


def exact_level(levels: Levels, a: str, b: str) -> int:
    return 0 if a == b else len(levels) - 1


_EVALUATORS: dict[str, Callable[[Levels, Any, Any], int]] = {
    "given_name": _name_level,
    "family_name": _name_level,
    "date_of_birth": _date_level,
    "postcode": _postcode_level,
    "sex": exact_level,
    "nhs_number": exact_level,
    "upn": exact_level,
}


class CompiledComparison:
    """A comparison ready for the hot loop (plain tuples, no pydantic access)."""

    __slots__ = (
        "attr", "caps", "compatible", "evaluate", "levels", "name", "pos", "spec", "tf",
        "tf_default", "tf_level", "weights",
    )  # fmt: skip

    def __init__(self, spec: Comparison, frequencies: dict[str, float], min_freq: float) -> None:
        self.spec = spec
        self.name = spec.name
        self.attr = _ATTRS[spec.field]
        self.pos = FIELD_POSITIONS[spec.field]
        self.evaluate = _EVALUATORS.get(spec.field, exact_level)
        self.levels: Levels = tuple((_CODES[lv.kind], lv.threshold or 0.0) for lv in spec.levels)
        self.weights = tuple(lv.weight for lv in spec.levels)
        self.caps = tuple(lv.review_cap for lv in spec.levels)
        self.compatible = tuple(lv.compatible for lv in spec.levels)
        tf_levels = [i for i, lv in enumerate(spec.levels) if lv.tf_adjust]
        self.tf_level = tf_levels[0] if tf_levels and frequencies else NULL
        u = spec.levels[self.tf_level].u if self.tf_level != NULL else 1.0
        # Splink-style: replace u of the exact level by the value's own frequency.
        self.tf = {value: math.log2(u / max(f, min_freq)) for value, f in frequencies.items()}
        self.tf_default = math.log2(u / min_freq) if self.tf_level != NULL else 0.0
        if spec.field in ("given_name", "family_name"):
            self.evaluate = CachedNameLevels()
        if spec.field == "home":
            # Address words are weighted by rarity; the table is the term frequencies.
            self.tf_level = NULL
            self.evaluate = HomeLevels(token_weights(frequencies, min_freq), postcode_agrees)

    def tf_adjustment(self, value: Any) -> float:
        """Extra bits for an exact match on this value (negative for common names)."""
        return self.tf.get(value.full, self.tf_default)


def compile_comparisons(model: MatchModel) -> tuple[CompiledComparison, ...]:
    """Compile every comparison of a model with its term-frequency table, if any."""
    tables = {t.comparison: t for t in model.term_frequencies}
    out = []
    for spec in model.comparisons:
        table = tables.get(spec.name)
        freqs = table.frequencies if table else {}
        floor = table.min_frequency if table else (0.001 if spec.field == "home" else 1.0)
        out.append(CompiledComparison(spec, freqs, floor))
    return tuple(out)


def level_of(comparison: CompiledComparison, a: object, b: object) -> int:
    """Index of the level two prepared records reach on this comparison, or ``NULL``."""
    va = getattr(a, comparison.attr)
    vb = getattr(b, comparison.attr)
    if va is None or vb is None:
        return NULL
    return comparison.evaluate(comparison.levels, va, vb)
