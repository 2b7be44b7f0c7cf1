"""A readable report of a matching model's parameters (what ``link train`` prints).

One line per comparison level: how often true matches reach it (m), how often
unrelated pairs do (u), the weight log2(m/u) in bits and the level's own sentence,
plus whether it holds a pair back for review. Then the prior, the thresholds and the
training notes, so a reviewer can see what the data taught the model without labels.
"""

from hub.identity.model import Comparison, MatchModel

__all__ = ["model_report"]


def _level_lines(comparison: Comparison) -> list[str]:
    lines = [f"{comparison.name} ({comparison.field}); missing: {comparison.null_description}"
             + ("; a missing value holds the pair for review" if comparison.null_review_cap
                else "")]  # fmt: skip
    for lv in comparison.levels:
        guard = "  [review only]" if lv.review_cap else ""
        lines.append(
            f"  {lv.label:<18} m {lv.m:7.4f}  u {lv.u:9.6f}  {lv.weight:+6.1f} bits  "
            f"{lv.description}{guard}"
        )
    return lines


def _household_lines(model: MatchModel) -> list[str]:
    home = next((c for c in model.comparisons if c.field == "home"), None)
    if home is None:
        return []
    top = home.levels[0]
    return [
        f"household: '{top.label}' is worth {top.weight:+.1f} bits once (postcode and address "
        "are one comparison, not two independent agreements); siblings share it, so names "
        "and date of birth must still agree"
    ]


def model_report(model: MatchModel) -> str:
    """The model's parameters as plain text."""
    t = model.thresholds
    lines = [
        f"model {model.label}",
        f"prior: {model.prior:.3g} (two random records are the same person); "
        f"start at {model.prior_weight:+.1f} bits",
        f"thresholds: match from {t.link:+.1f} bits, review from {t.review:+.1f} bits, "
        f"stream margin {t.margin:.1f} bits",
    ]
    if model.training is not None:
        lines.append(f"training: {model.training.records:,} records; {model.training.notes}")
    for comparison in model.comparisons:
        lines += _level_lines(comparison)
    for table in model.term_frequencies:
        common = sorted(table.frequencies.items(), key=lambda kv: -kv[1])[:5]
        shown = ", ".join(f"{value} {share:.1%}" for value, share in common)
        lines.append(f"term frequencies of {table.comparison}: {len(table.frequencies):,} "
                     f"values; most common {shown}")  # fmt: skip
    return "\n".join(lines + _household_lines(model))
