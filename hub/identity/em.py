"""Expectation-maximisation of Fellegi-Sunter m probabilities over comparison vectors.

Pairs are summarised as counts of distinct level vectors (one level index per
comparison, ``NULL`` for a missing side), so EM costs the same for a million pairs
as for a thousand. u probabilities stay fixed (estimated from random pairs, as splink
does) and comparisons implied by the session's blocking rule are left out: every
pair agrees on them by construction, so they carry no information here.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from hub.identity.compare import NULL

__all__ = ["EmResult", "run_em"]

Vector = tuple[int, ...]
_FLOOR = 1e-6


@dataclass(frozen=True, slots=True)
class EmResult:
    """m per comparison (None where not estimated), λ within the blocked pairs, iterations."""

    m: list[list[float] | None]
    match_share: float
    iterations: int


def _initial_m(size: int) -> list[float]:
    # Matches mostly agree: most mass on the first (strongest) level.
    rest = 0.1 / max(1, size - 1)
    return [0.9] + [rest] * (size - 1)


def _posteriors(
    vectors: Mapping[Vector, float], m: list[list[float]], u: list[list[float]],
    active: list[int], share: float,
) -> list[tuple[Vector, float, float]]:  # fmt: skip
    out: list[tuple[Vector, float, float]] = []
    for vec, count in vectors.items():
        pm, pu = share, 1.0 - share
        for k in active:
            level = vec[k]
            if level != NULL:
                pm *= m[k][level]
                pu *= u[k][level]
        out.append((vec, count, pm / (pm + pu)))
    return out


def _maximise(
    post: list[tuple[Vector, float, float]], sizes: list[int], active: list[int]
) -> tuple[list[list[float]], float]:
    sums = [[0.0] * size for size in sizes]
    matched = total = 0.0
    for vec, count, p in post:
        matched += count * p
        total += count
        for k in active:
            if vec[k] != NULL:
                sums[k][vec[k]] += count * p
    # A level never seen among the ~N matched pairs gets m of about 1/(2N), not zero:
    # unseen is not impossible, and a zero would make its weight minus infinity.
    floor = max(_FLOOR, 0.5 / max(matched, 1.0))
    m = []
    for row in sums:
        norm = sum(row) or 1.0
        floored = [max(floor, x / norm) for x in row]
        m.append([x / sum(floored) for x in floored])
    return m, matched / max(total, 1.0)


def run_em(
    vectors: Mapping[Vector, float],
    u: list[list[float]],
    fixed: set[int],
    max_iterations: int = 50,
    tolerance: float = 1e-5,
) -> EmResult:
    """Estimate m for comparisons not in ``fixed`` from unlabelled blocked pairs."""
    sizes = [len(row) for row in u]
    active = [k for k in range(len(u)) if k not in fixed]
    m = [_initial_m(size) for size in sizes]
    share = 0.1
    iterations, change = 0, 1.0
    while iterations < max_iterations and change >= tolerance:
        iterations += 1
        post = _posteriors(vectors, m, u, active, share)
        new_m, new_share = _maximise(post, sizes, active)
        diffs = (abs(a - b) for k in active for a, b in zip(new_m[k], m[k], strict=True))
        change = max(diffs, default=0.0)
        m, share = new_m, new_share
    estimated = [m[k] if k in active else None for k in range(len(u))]
    return EmResult(estimated, share, iterations)
