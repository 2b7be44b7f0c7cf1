"""Unsupervised training of a matching model: u by random pairs, m by EM, tf tables.

No labels are used. u (how often non-matches agree at a level) comes from random
record pairs, with the exact level computed exactly from value frequencies; m (how
often matches do) comes from EM over the pairs each ``em_blocking`` rule blocks,
averaged over the sessions able to estimate it (a session cannot estimate the
comparisons its own rule fixes); term frequencies are counted per name. The prior λ
is the number of matches the first session implies, divided by all record pairs.
The model's structure (levels, blocking, thresholds) is kept from the base model.
"""

import random
from collections import Counter
from collections.abc import Callable, Sequence

from hub.identity.compare import CompiledComparison, compile_comparisons
from hub.identity.em import run_em
from hub.identity.model import Comparison, MatchModel, TermFrequencies, TrainingInfo, default_model
from hub.identity.normalise import Prepared, prepare
from hub.identity.records import PersonRecord
from hub.identity.training_fit import fit_thresholds, relax_guards
from hub.identity.training_pairs import blocked_vectors, exact_u, fixed_comparisons, sample_u

__all__ = ["train"]

Progress = Callable[[str], None]
_TF_MIN_COUNT = 5
_TF_MAX_VALUES = 3000
_U_FLOOR = 1e-9


def _word_frequencies(preps: Sequence[Prepared], name: str) -> TermFrequencies:
    """Share of records whose address holds each word (for rarity weights)."""
    counts = Counter(w for p in preps if p.home is not None for w in p.home.tokens)
    total = sum(1 for p in preps if p.home is not None and p.home.tokens) or 1
    common = counts.most_common(_TF_MAX_VALUES)
    freqs = {w: c / total for w, c in common if c >= 2}
    floor = min(1.0, 1 / total)
    return TermFrequencies(comparison=name, min_frequency=floor, frequencies=freqs)


def _term_frequencies(preps: Sequence[Prepared], model: MatchModel) -> list[TermFrequencies]:
    out = []
    for comp in model.comparisons:
        if comp.field == "home":
            out.append(_word_frequencies(preps, comp.name))
            continue
        if not any(level.tf_adjust for level in comp.levels):
            continue
        attr = "given" if comp.field == "given_name" else "family"
        counts = Counter(v.full for p in preps if (v := getattr(p, attr)) is not None)
        total = sum(counts.values()) or 1
        common = counts.most_common(_TF_MAX_VALUES)
        freqs = {v: c / total for v, c in common if c >= _TF_MIN_COUNT}
        # Rarer names count as if they were at the table's edge: conservative bonuses.
        floor = min(1.0, _TF_MIN_COUNT / total)
        out.append(TermFrequencies(comparison=comp.name, min_frequency=floor, frequencies=freqs))
    return out


def _u_row(preps: Sequence[Prepared], c: CompiledComparison, counts: Counter[int]) -> list[float]:
    """u per level: exact level from value counts, the others from the sampled pairs."""
    size = len(c.levels)
    exact = [i for i, (code, _) in enumerate(c.levels) if code == 0]
    others = [i for i in range(size) if i not in exact]
    u_exact = max(_U_FLOOR, exact_u(preps, c)) if exact else 0.0
    seen = sum(counts[i] for i in others) + 0.5 * len(others)
    row = [0.0] * size
    for i in exact:
        row[i] = u_exact
    for i in others:
        row[i] = max(_U_FLOOR, (1.0 - u_exact) * (counts[i] + 0.5) / seen)
    return row


def _unmixed_u(u: list[float], m: list[float], prior: float) -> list[float]:
    """u with the true matches among the random pairs taken out.

    A random pair is a match with probability λ (the prior), so what random pairs show is
    λ·m + (1 - λ)·u. Where duplicates are common (a file half duplicates), leaving the
    matches in would make agreeing on a whole address look far more ordinary than it is.
    """
    # At most 90 % is taken out: an m estimated too high must not make u vanish.
    row = [
        max(_U_FLOOR, 0.1 * uu, (uu - prior * mm) / (1.0 - prior))
        for uu, mm in zip(u, m, strict=True)
    ]
    total = sum(row)
    return [x / total for x in row]


class _Session:
    """What one EM session found: m rows, and matches among its blocked pairs."""

    def __init__(self, m: list[list[float] | None], matches: float, fixed: set[int]) -> None:
        self.m, self.matches, self.fixed = m, matches, fixed


def _sessions(
    preps: Sequence[Prepared], model: MatchModel, comps: Sequence[CompiledComparison],
    u: list[list[float]], rng: random.Random, say: Progress,
) -> list[_Session]:  # fmt: skip
    out = []
    for rule in model.em_blocking:
        vectors, scored, total = blocked_vectors(preps, rule, comps, rng)
        fixed = fixed_comparisons(rule, comps)
        result = run_em(vectors, u, fixed)
        say(f"EM on '{rule.name}': {scored:,} pairs, {result.iterations} iterations")
        out.append(_Session(result.m, result.match_share * total, fixed))
    return out


def _mean_m(sessions: list[_Session], k: int) -> list[float] | None:
    rows = [row for s in sessions if (row := s.m[k]) is not None]
    if not rows:
        return None
    return [sum(col) / len(rows) for col in zip(*rows, strict=True)]


def _prior(
    sessions: list[_Session], m: list[list[float]], preps: Sequence[Prepared],
    comps: Sequence[CompiledComparison], fallback: float,
) -> float:  # fmt: skip
    """λ = matches implied by the first session / all pairs (its rule agrees exactly)."""
    if not sessions or len(preps) < 2:
        return fallback
    first = sessions[0]
    reach = 1.0  # P(a matching pair lands in the first session's blocks)
    for k in first.fixed:
        present = sum(getattr(p, comps[k].attr) is not None for p in preps) / len(preps)
        reach *= m[k][0] * present * present
    pairs = len(preps) * (len(preps) - 1) / 2
    return min(0.5, max(1e-12, first.matches / max(reach, 1e-9) / pairs))


def _updated(spec: Comparison, m: list[float] | None, u: list[float]) -> Comparison:
    if spec.fixed_m:
        m = None
    levels = [
        level.model_copy(update={"m": m[i] if m else level.m, "u": u[i]})
        for i, level in enumerate(spec.levels)
    ]
    return spec.model_copy(update={"levels": levels})


def _estimate(
    preps: Sequence[Prepared], base: MatchModel, rng: random.Random, u_pairs: int,
    say: Progress,
) -> tuple[list[Comparison], float, list[TermFrequencies]]:  # fmt: skip
    """Trained comparisons (m by EM, u from random pairs with matches taken out), λ, tf."""
    tf = _term_frequencies(preps, base)
    # Name tables are left out while estimating (tf adjusts weights only at scoring);
    # the address word table is kept: it defines the home levels themselves.
    homes = {c.name for c in base.comparisons if c.field == "home"}
    kept = [t for t in tf if t.comparison in homes]
    comps = compile_comparisons(base.model_copy(update={"term_frequencies": kept}))
    counts = sample_u(preps, comps, rng, u_pairs)
    u = [_u_row(preps, c, counts[k]) for k, c in enumerate(comps)]
    say(f"u from {u_pairs:,} random pairs of {len(preps):,} records")
    sessions = _sessions(preps, base, comps, u, rng, say)
    means = [_mean_m(sessions, k) for k in range(len(comps))]
    m = [row or [lv.m for lv in comps[k].spec.levels] for k, row in enumerate(means)]
    prior = _prior(sessions, m, preps, comps, base.prior)
    u = [_unmixed_u(u[k], m[k], prior) for k in range(len(comps))]
    return [_updated(c.spec, means[k], u[k]) for k, c in enumerate(comps)], prior, tf


def train(
    records: Sequence[PersonRecord],
    base: MatchModel | None = None,
    *,
    version: str = "trained",
    seed: int = 0,
    u_pairs: int = 150_000,
    progress: Progress | None = None,
    keep_thresholds: bool = False,
) -> MatchModel:
    """A model with the base model's structure and probabilities estimated from ``records``.

    Thresholds are fitted to the trained score distribution unless ``keep_thresholds``
    (the shipped model keeps thresholds chosen for streaming against a large index).
    """
    base = base or default_model()
    say = progress or (lambda _msg: None)
    preps = [prepare(r) for r in records]
    trained, prior, tf = _estimate(preps, base, random.Random(seed), u_pairs, say)
    comparisons, guard_note, households = relax_guards(trained, preps)
    say(guard_note)
    fields = {
        "version": version,
        "prior": prior,
        "term_frequencies": tf,
        "training": _info(base, len(preps), u_pairs, guard_note, keep_thresholds),
        "comparisons": comparisons,
    }
    model = MatchModel.model_validate(base.model_dump() | fields)
    if keep_thresholds:
        return model
    thresholds = fit_thresholds(model, preps, households=households)
    say(f"thresholds from the trained score distribution: link {thresholds.link:+.1f} bits, "
        f"review {thresholds.review:+.1f} bits")  # fmt: skip
    return model.model_copy(update={"thresholds": thresholds})


def _info(
    base: MatchModel, records: int, u_pairs: int, guard_note: str, kept: bool
) -> TrainingInfo:
    source = "kept from the base model" if kept else "from the trained score distribution"
    return TrainingInfo(
        records=records,
        u_pairs_sampled=u_pairs,
        em_sessions=[r.name for r in base.em_blocking],
        notes=f"unsupervised: u from random pairs, m by EM on blocked pairs, thresholds "
        f"{source}; no labels. {guard_note}",
    )
