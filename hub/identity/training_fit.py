"""After EM: thresholds from the trained score distribution, and household guards checked.

Thresholds: every blocked candidate pair of the training records is scored with the
trained model and given its match probability. ``link`` is the lowest weight at which
the pairs at or above it are, by the model's own estimate, at least 99.9 % true
matches; where the household guards were lifted (the data's errors are not household
ones), also at most 0 bits (a pair more likely a match than not links: where ambiguous
pairs are many the cumulative estimate alone is too cautious). ``review``
the lowest weight keeping 99.9 % of the expected matches at or above it, and at least
4 bits below ``link``. No labels: the probabilities are the model's.

Household guards: the ``review_cap`` levels (given names that clearly differ or are
missing, a clearly different date of birth...) keep twins and siblings apart in
children's records, where such a disagreement is rare among true matches. When the
trained m says the guards would hold back more than a fifth of all true matches, the
data's errors are of another kind (wholesale typos, replaced values), and the guards
are lifted (never the one on two different NHS numbers, whose m is fixed); the report
says which and why.
"""

from collections.abc import Sequence

from hub.identity.blocking import candidate_pairs
from hub.identity.model import Comparison, MatchModel, Thresholds
from hub.identity.normalise import FIELD_POSITIONS, Prepared
from hub.identity.scoring import compile_model, probability, score

__all__ = ["fit_thresholds", "relax_guards"]

_TARGET_PRECISION = 0.999
_TARGET_RECALL = 0.999
_REVIEW_BELOW_LINK = 4.0
_GUARD_SHARE_LIMIT = 0.2
_LIFT_FROM_M = 0.01
_MAX_PAIRS = 2_000_000


def fit_thresholds(
    model: MatchModel, preps: Sequence[Prepared], *, households: bool = True
) -> Thresholds:
    """Link and review thresholds from the scores of the training data's blocked pairs.

    ``households``: the data has household structure (guards kept); a wrong merge there
    joins two children, so pairs merely more likely than not are not linked.
    """
    cm = compile_model(model)
    pairs = list(candidate_pairs(model, preps).pairs)[:_MAX_PAIRS]
    scores = sorted((score(cm, preps[i], preps[j])[0] for i, j in pairs), reverse=True)
    if not scores:
        return model.thresholds
    probs = [probability(s) for s in scores]
    link, false = scores[0], 0.0
    for seen, (s, p) in enumerate(zip(scores, probs, strict=True), start=1):
        false += 1.0 - p
        if false / seen <= 1.0 - _TARGET_PRECISION:
            link = s
    # A pair more likely a match than not (above 0 bits) is linked even where the
    # cumulative estimate is cautious: where the pairs are few and ambiguous.
    if not households:
        link = min(link, 0.0)
    expected = sum(probs)
    review, kept = link, 0.0
    for s, p in zip(scores, probs, strict=True):
        kept += p
        review = s
        if kept >= _TARGET_RECALL * expected:
            break
    # Review reaches at least 16 times (4 bits) less likely pairs than the link bar.
    review = min(review, link - _REVIEW_BELOW_LINK)
    return model.thresholds.model_copy(update={"link": round(link, 2), "review": round(review, 2)})


def _missing_share(preps: Sequence[Prepared], comparison: Comparison) -> float:
    pos = FIELD_POSITIONS[comparison.field]
    missing = sum(p.vals[pos] is None for p in preps) / max(1, len(preps))
    return 1.0 - (1.0 - missing) ** 2  # either side of a pair


def _held_share(comparisons: Sequence[Comparison], preps: Sequence[Prepared]) -> float:
    """P(a true match hits at least one guard), from trained m and missing rates."""
    free = 1.0
    for c in comparisons:
        capped = sum(lv.m for lv in c.levels if lv.review_cap)
        missing = _missing_share(preps, c)
        p_held = missing * c.null_review_cap + (1.0 - missing) * capped
        free *= 1.0 - p_held
    return 1.0 - free


def relax_guards(
    comparisons: list[Comparison], preps: Sequence[Prepared]
) -> tuple[list[Comparison], str, bool]:
    """Comparisons with over-costly guards lifted, a sentence for the report, and whether
    the guards were kept (the data looks like households of children)."""
    held = _held_share(comparisons, preps)
    if held <= _GUARD_SHARE_LIMIT:
        note = f"household guards kept (they hold back {held:.1%} of matches)"
        return comparisons, note, True
    lifted: list[str] = []
    out = []
    for c in comparisons:
        levels = []
        for lv in c.levels:
            if lv.review_cap and not c.fixed_m:
                lifted.append(f"{c.name}/{lv.label}")
                lv = lv.model_copy(update={"review_cap": False})
            levels.append(lv)
        null_cap = c.null_review_cap and _missing_share(preps, c) < _LIFT_FROM_M
        if c.null_review_cap and not null_cap:
            lifted.append(f"{c.name}/missing")
        out.append(c.model_copy(update={"levels": levels, "null_review_cap": null_cap}))
    note = (
        f"household guards would hold back {held:.1%} of matches in this data; "
        f"lifted: {', '.join(lifted) or 'none'}"
    )
    return out, note, False
