"""Fellegi-Sunter scoring of a prepared pair, fast path and explained path.

``score`` is the hot loop (total bits and whether a review cap was hit); ``explain``
recomputes the same total term by term with plain-English sentences, like splink's
waterfall chart: prior + Σ (level weight + term-frequency adjustment) = total.
"""

import math

from pydantic import BaseModel, ConfigDict

from hub.identity.compare import (
    NULL,
    CompiledComparison,
    compile_comparisons,
    exact_level,
    level_of,
)
from hub.identity.model import MatchModel
from hub.identity.normalise import Prepared, swapped_names

__all__ = ["CompiledModel", "ExplanationTerm", "compile_model", "explain", "probability", "score"]

_TERM_CACHE_LIMIT = 200_000


class ExplanationTerm(BaseModel):
    """One comparison's contribution: level, weight in bits and a plain-English sentence."""

    model_config = ConfigDict(frozen=True)

    comparison: str
    level: str
    weight: float
    tf_adjustment: float = 0.0
    sentence: str


class CompiledModel:
    """A model compiled once for fast scoring; holds the thresholds too."""

    __slots__ = (
        "by_name", "comparisons", "fast", "label", "link", "margin", "model", "names", "prior",
        "review", "terms",
    )  # fmt: skip

    def __init__(self, model: MatchModel) -> None:
        self.model = model
        self.label = model.label
        self.comparisons: tuple[CompiledComparison, ...] = compile_comparisons(model)
        self.by_name = {c.name: c for c in self.comparisons}
        by_field = {c.spec.field: c for c in self.comparisons}
        given, family = by_field.get("given_name"), by_field.get("family_name")
        # The two name comparisons, for noticing names entered in each other's field.
        self.names = (given, family) if given and family else None
        self.prior = model.prior_weight
        self.link = model.thresholds.link
        self.review = model.thresholds.review
        self.margin = model.thresholds.margin
        # Terms are immutable and few (comparison x level, x name when tf-adjusted): share them.
        self.terms: dict[tuple[int, int, str | None], ExplanationTerm] = {}
        # Flat tuples for the hot loop; evaluate is None for plain equality fields.
        self.fast = tuple(
            (
                c.pos,
                None if c.evaluate is exact_level else c.evaluate,
                c.levels,
                c.weights,
                c.caps,
                c.tf_level,
                c.tf,
                c.tf_default,
                len(c.levels) - 1,
                c.spec.null_review_cap,
            )
            for c in self.comparisons
        )


_COMPILED: dict[int, tuple[MatchModel, CompiledModel]] = {}


def compile_model(model: MatchModel) -> CompiledModel:
    """Compile (and remember) a model; models are immutable so one compile is enough."""
    hit = _COMPILED.get(id(model))
    if hit is None or hit[0] is not model:
        hit = (model, CompiledModel(model))
        _COMPILED[id(model)] = hit
    return hit[1]


def names_swapped(cm: CompiledModel, a: Prepared, b: Prepared) -> bool:
    """True when the names agree better crosswise (given against family) than straight.

    Only pairs whose given and family names both disagree straight are looked at, so
    the usual pair pays two failed comparisons at most.
    """
    ag, af, bg, bf = a.given, a.family, b.given, b.family
    names = cm.names
    if names is None or ag is None or af is None or bg is None or bf is None:
        return False
    if ag.initial != bf.initial and af.initial != bg.initial:
        return False  # crosswise the names do not even share an initial
    given, family = names
    last_g, last_f = len(given.levels) - 1, len(family.levels) - 1
    if given.evaluate(given.levels, ag, bg) != last_g:
        return False
    if family.evaluate(family.levels, af, bf) != last_f:
        return False
    cross = given.weights[given.evaluate(given.levels, ag, bf)]
    cross += family.weights[family.evaluate(family.levels, af, bg)]
    return cross > given.weights[last_g] + family.weights[last_f]


def score(cm: CompiledModel, a: Prepared, b: Prepared) -> tuple[float, bool]:
    """Total match weight in bits and whether any level caps the pair at review."""
    if names_swapped(cm, a, b):
        b = swapped_names(b)  # names entered in the wrong fields: compare them crosswise
    total = cm.prior
    capped = False
    av, bv = a.vals, b.vals
    for pos, evaluate, levels, weights, caps, tf_level, tf, tf_default, last, null_cap in cm.fast:
        va = av[pos]
        vb = bv[pos]
        if va is None or vb is None:
            capped = capped or null_cap
            continue
        i = (0 if va == vb else last) if evaluate is None else evaluate(levels, va, vb)
        if i < 0:
            continue  # nothing comparable on this field (e.g. postcode vs address only)
        total += weights[i]
        if i == tf_level:
            total += tf.get(va.full, tf_default)  # type: ignore[union-attr]
        if caps[i]:
            capped = True
    return total, capped


def _make_term(c: CompiledComparison, i: int, value: object) -> ExplanationTerm:
    if i == NULL:
        sentence = f"{c.spec.null_description} (+0.0)"
        return ExplanationTerm.model_construct(
            comparison=c.name, level="missing", weight=0.0, tf_adjustment=0.0, sentence=sentence
        )
    level = c.spec.levels[i]
    weight = c.weights[i]
    adj = c.tf_adjustment(value) if i == c.tf_level else 0.0
    sentence = f"{level.description} ({weight + adj:+.1f})"
    if adj:
        how = "common" if adj < 0 else "uncommon"
        sentence = f"{level.description} ({weight + adj:+.1f}: {adj:+.1f} as the name is {how})"
    return ExplanationTerm.model_construct(
        comparison=c.name, level=level.label, weight=weight, tf_adjustment=adj, sentence=sentence
    )


def _term(cm: CompiledModel, k: int, a: Prepared, b: Prepared) -> ExplanationTerm:
    c = cm.comparisons[k]
    i = level_of(c, a, b)
    value = a.vals[c.pos]
    tf_value = value.full if i != NULL and i == c.tf_level else None  # type: ignore[union-attr]
    key = (k, i, tf_value)
    term = cm.terms.get(key)
    if term is None:
        if len(cm.terms) >= _TERM_CACHE_LIMIT:
            cm.terms.clear()
        term = cm.terms[key] = _make_term(c, i, value)
    return term


def explain(cm: CompiledModel, a: Prepared, b: Prepared) -> tuple[list[ExplanationTerm], float]:
    """Every comparison's term and the total (equal to ``score``'s)."""
    swap = names_swapped(cm, a, b)
    b = swapped_names(b) if swap else b
    terms = [_term(cm, k, a, b) for k in range(len(cm.comparisons))]
    if swap:
        terms.append(_SWAP_TERM)
    return terms, cm.prior + sum(t.weight + t.tf_adjustment for t in terms)


_SWAP_TERM = ExplanationTerm(
    comparison="names",
    level="swapped",
    weight=0.0,
    sentence="Given and family names agree better crosswise (entered in each other's "
    "field): compared crosswise (+0.0)",
)


def probability(weight: float) -> float:
    """Match probability from a total weight in bits (2^w / (1 + 2^w)), overflow-safe."""
    if weight > 60:
        return 1.0
    if weight < -60:
        return 0.0
    odds = math.pow(2.0, weight)
    return odds / (1.0 + odds)
