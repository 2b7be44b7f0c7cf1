"""Record pairs for training: random pairs for u, blocked pairs for EM, exact-level u.

Pairs are turned into level vectors straight away and counted, so memory stays
small however many pairs are drawn. Large blocks are sampled down (a block of k
records has k(k-1)/2 pairs); the true pair count is still reported for the prior.
"""

import random
from collections import Counter
from collections.abc import Hashable, Sequence
from itertools import combinations

from hub.identity.blocking import BLOCK_KEYS
from hub.identity.compare import NULL, CompiledComparison, level_of
from hub.identity.model import BlockingRule
from hub.identity.normalise import Prepared

__all__ = ["blocked_vectors", "exact_u", "fixed_comparisons", "sample_u", "vector"]

Vector = tuple[int, ...]
_KEY_PREFIX_FIELD = (
    ("dob", "date_of_birth"), ("birth", "date_of_birth"), ("given", "given_name"),
    ("family", "family_name"), ("postcode", "postcode"), ("nhs", "nhs_number"), ("upn", "upn"),
    ("postcode", "home"), ("house", "home"), ("street", "home"),
)  # fmt: skip
_EXACT_VALUE = {"given": "full", "family": "full", "postcode": "full"}
_MAX_BLOCK = 60


def vector(comparisons: Sequence[CompiledComparison], a: Prepared, b: Prepared) -> Vector:
    """The level index of every comparison for one pair (``NULL`` when a side is missing)."""
    return tuple(level_of(c, a, b) for c in comparisons)


def fixed_comparisons(rule: BlockingRule, comparisons: Sequence[CompiledComparison]) -> set[int]:
    """Indexes of the comparisons a blocking rule constrains (left out of its EM session)."""
    fields = {f for key in rule.keys for prefix, f in _KEY_PREFIX_FIELD if key.startswith(prefix)}
    return {k for k, c in enumerate(comparisons) if c.spec.field in fields}


def sample_u(
    preps: Sequence[Prepared], comparisons: Sequence[CompiledComparison],
    rng: random.Random, pairs: int,
) -> list[Counter[int]]:  # fmt: skip
    """Level counts per comparison over ``pairs`` random pairs (mostly non-matches)."""
    counts: list[Counter[int]] = [Counter() for _ in comparisons]
    n = len(preps)
    for _ in range(pairs):
        i, j = rng.randrange(n), rng.randrange(n - 1)
        j += j >= i
        for k, level in enumerate(vector(comparisons, preps[i], preps[j])):
            if level != NULL:
                counts[k][level] += 1
    return counts


def _exact_key(c: CompiledComparison, p: Prepared) -> Hashable | None:
    value = getattr(p, c.attr)
    sub = _EXACT_VALUE.get(c.attr)
    return getattr(value, sub) if value is not None and sub else value


def exact_u(preps: Sequence[Prepared], comparison: CompiledComparison) -> float:
    """P(two random records with the field present agree exactly), from value counts."""
    counts = Counter(v for p in preps if (v := _exact_key(comparison, p)) is not None)
    n = sum(counts.values())
    if n < 2:
        return 0.0
    return sum(c * (c - 1) for c in counts.values()) / (n * (n - 1))


def _groups(preps: Sequence[Prepared], rule: BlockingRule) -> list[list[int]]:
    fns = [BLOCK_KEYS[key] for key in rule.keys]
    groups: dict[tuple[Hashable, ...], list[int]] = {}
    for i, p in enumerate(preps):
        values = tuple(fn(p) for fn in fns)
        if None not in values:
            groups.setdefault(values, []).append(i)
    return [g for g in groups.values() if len(g) > 1]


def blocked_vectors(
    preps: Sequence[Prepared], rule: BlockingRule,
    comparisons: Sequence[CompiledComparison], rng: random.Random,
) -> tuple[dict[Vector, float], int, int]:  # fmt: skip
    """Weighted level vectors of the pairs a rule blocks, pairs scored, and all pairs."""
    vectors: dict[Vector, float] = {}
    scored = total = 0
    for group in _groups(preps, rule):
        total += len(group) * (len(group) - 1) // 2
        members = group if len(group) <= _MAX_BLOCK else rng.sample(group, _MAX_BLOCK)
        weight = (len(group) * (len(group) - 1)) / (len(members) * (len(members) - 1))
        for i, j in combinations(members, 2):
            vec = vector(comparisons, preps[i], preps[j])
            vectors[vec] = vectors.get(vec, 0.0) + weight
            scored += 1
    return vectors, scored, total
