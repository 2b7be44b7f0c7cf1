"""The home comparison: postcode and free-text address judged together.

Addresses are compared as sets of words weighted by rarity (inverse document
frequency learned in training): sharing "12" and "TULLAROOP" says much more than
sharing "STREET". Words one typo apart (four letters or more) count as shared, and two
different house numbers stop the address levels, since neighbours share the rest.
The same postcode where one record has no address counts as the same home (a UK
postcode is a handful of homes). Postcode and address are one comparison because
within a household they are not independent: siblings share both, and a model that
added them up would count the same fact twice (the trained m/u of the ``same_home``
level shows how much it is worth).
A ``street`` level is the same address but another house number: a neighbour, or a
typo in the number; training learns which it mostly is in the data at hand. When words
were split or run together ("S TREET", "KIRKLANDC IRCUIT") the word sets miss it, so
the address levels also accept the letters alone being nearly the same.
"""

import math
from collections.abc import Callable, Mapping

from rapidfuzz.distance import DamerauLevenshtein, Indel

from hub.identity.normalise import HomeParts, PostcodeParts

__all__ = ["HomeLevels", "address_similarity", "token_weights"]

_dl = DamerauLevenshtein.distance
_indel = Indel.normalized_similarity
_FUZZY_MIN_LENGTH = 4
_EXTRA_LINE_FACTOR = 0.25
Weights = tuple[dict[str, float], float]  # (weight per known word, weight of unseen words)
PostcodeTest = Callable[[int, PostcodeParts, PostcodeParts], bool]


def token_weights(frequencies: Mapping[str, float], min_frequency: float) -> Weights:
    """Bits per word: -log2 of the share of records whose address holds it."""
    table = {word: -math.log2(max(f, min_frequency)) for word, f in frequencies.items()}
    return table, -math.log2(min_frequency)


def _fuzzy_shared(only_a: set[str], only_b: set[str]) -> set[str]:
    shared = set()
    for word in only_a:
        if len(word) < _FUZZY_MIN_LENGTH:
            continue
        first, last, size = word[0], word[-1], len(word)
        for other in only_b:
            # One edit never changes both the first and the last letter of a word of 3+.
            if (other[0] != first and other[-1] != last) or abs(size - len(other)) > 1:
                continue
            if _dl(word, other, score_cutoff=1) <= 1:
                shared.add(word)
                break
    return shared


def address_similarity(a: frozenset[str], b: frozenset[str], weights: Weights) -> float:
    """Rarity-weighted overlap of two word sets (0..1); near-identical words count as shared."""
    table, unseen = weights
    if a == b:
        return 1.0 if a else 0.0
    if a.isdisjoint(b):
        return 0.0  # not one word in common: typo'd words alone are not the same address
    only_a, only_b = set(a - b), set(b - a)
    fuzzy = _fuzzy_shared(only_a, only_b)
    shared = sum(table.get(w, unseen) for w in (a & b) | fuzzy)
    if not shared:
        return 0.0
    differ_a = sum(table.get(w, unseen) for w in only_a - fuzzy)
    differ_b = sum(table.get(w, unseen) for w in only_b)
    differ_b = max(0.0, differ_b - sum(table.get(w, unseen) for w in fuzzy))
    # Words only one side has count less than words both sides replaced: one record
    # often just lacks an address line ("1 Armstrong Cres" vs "1 Armstrong Cres, Cromdale").
    low, high = sorted((differ_a, differ_b))
    return shared / (shared + low + _EXTRA_LINE_FACTOR * (high - low))


class HomeLevels:
    """Evaluator of a home comparison's levels (callable like the other evaluators)."""

    __slots__ = ("postcode_agrees", "weights")

    def __init__(self, weights: Weights, postcode_agrees: PostcodeTest) -> None:
        self.weights = weights
        self.postcode_agrees = postcode_agrees

    def _postcode_only(
        self, levels: tuple[tuple[int, float], ...], pa: PostcodeParts, pb: PostcodeParts
    ) -> int:
        for i, (code, _param) in enumerate(levels):
            if code == 99 or (code not in (16, 17, 20) and self.postcode_agrees(code, pa, pb)):
                return i
        return len(levels) - 1

    def similarity(self, a: HomeParts, b: HomeParts) -> float:
        """Word similarity, or the letters' similarity when words were split differently."""
        sim = address_similarity(a.tokens, b.tokens, self.weights)
        if 0.0 < sim < 0.8 and a.letters and b.letters:
            sim = max(sim, _indel(a.letters, b.letters) - 0.1)  # letters: a little less sure
        return sim

    def __call__(self, levels: tuple[tuple[int, float], ...], a: HomeParts, b: HomeParts) -> int:
        sim = -1.0
        pa, pb = a.postcode, b.postcode
        if not ((pa and pb) or (a.tokens and b.tokens)):
            return -1  # one has only a postcode, the other only an address: no evidence
        both = bool(a.tokens and b.tokens)
        if pa and pb and pa.full != pb.full and (not both or a.tokens.isdisjoint(b.tokens)):
            return self._postcode_only(levels, pa, pb)  # the usual non-match: be quick
        clash = a.number is not None and b.number is not None and a.number != b.number
        for i, (code, param) in enumerate(levels):
            if code == 16 and pa and pb and pa.full == pb.full and not both:
                return i  # same postcode, an address missing: the same home as far as known
            if code in (16, 17, 20):  # same_home / address / street: similar words
                if not both or clash != (code == 20):
                    continue
                if code == 16 and not (pa and pb and pa.full == pb.full):
                    continue
                if sim < 0:
                    sim = self.similarity(a, b)
                if sim >= param:
                    return i
            elif code == 99 or (pa and pb and self.postcode_agrees(code, pa, pb)):
                return i
        return len(levels) - 1
