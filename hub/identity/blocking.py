"""Blocking: which records are worth comparing at all.

Each blocking rule of a model names key features (``dob_unordered``,
``family_soundex``, ``postcode`` ...). A record gets one key per rule whose features
are all present: a hash of the rule number and the values (a hash collision only adds
a candidate, which scoring then rejects). Features are computed once per record and
shared by the rules, which keeps key computation to a few microseconds.

A block larger than its rule's ``max_block`` (else the model's) is skipped (its records
still meet in the other rules' blocks): one very common key would otherwise make every query
compare thousands of records. `candidate_pairs` lists the deduplicated pairs of a
bulk run and counts the blocks it skipped, so the caller can warn.
"""

from collections.abc import Callable, Hashable, Sequence

from hub.identity.model import MatchModel
from hub.identity.normalise import Prepared

__all__ = ["BLOCK_KEYS", "Blocker", "KeyFn", "PairSet", "candidate_pairs"]

KeyFn = Callable[[Prepared], Hashable | None]


def _dob_unordered(p: Prepared) -> Hashable | None:
    # Day and month sorted, so a day/month swap lands in the same block.
    d = p.dob
    return None if d is None else (d[0], min(d[1], d[2]), max(d[1], d[2]))


BLOCK_KEYS: dict[str, KeyFn] = {
    "nhs_number": lambda p: p.nhs,
    "upn": lambda p: p.upn,
    "dob": lambda p: p.dob,
    "dob_unordered": _dob_unordered,
    "birth_year": lambda p: p.dob[0] if p.dob else None,
    # Two of the three parts: a slip in the third still meets in one of these blocks.
    "birth_year_month": lambda p: p.dob[:2] if p.dob else None,
    "birth_year_day": lambda p: (p.dob[0], p.dob[2]) if p.dob else None,
    "birth_month_day": lambda p: p.dob[1:] if p.dob else None,
    "given_soundex": lambda p: p.given.soundex if p.given else None,
    "given_formal_soundex": lambda p: p.given.canon_soundex if p.given else None,
    "family_soundex": lambda p: p.family.soundex if p.family else None,
    "given_metaphone": lambda p: p.given.metaphone if p.given else None,
    "family_metaphone": lambda p: p.family.metaphone if p.family else None,
    "given_initial": lambda p: p.given.initial if p.given else None,
    "family_initial": lambda p: p.family.initial if p.family else None,
    "postcode": lambda p: p.postcode.full if p.postcode else None,
    "postcode_sector": lambda p: p.postcode.sector if p.postcode else None,
    "postcode_district": lambda p: p.postcode.district if p.postcode else None,
    "house_number": lambda p: p.home.number if p.home else None,
    "street_word": lambda p: _street_word(p),
    "given_name": lambda p: p.given.key if p.given else None,
    # Both names' sound codes in sorted order: given and family swapped meet here.
    "names_unordered": lambda p: (
        tuple(sorted((p.given.soundex, p.family.soundex))) if p.given and p.family else None
    ),
    "family_name": lambda p: p.family.key if p.family else None,
}


def _street_word(p: Prepared) -> Hashable | None:
    # The longest word of the address: usually the street's own name, rarely a typo'd one.
    if p.home is None or not p.home.tokens:
        return None
    words = [w for w in p.home.tokens if not w.isdigit()]
    return max(words, key=lambda w: (len(w), w)) if words else None


class Blocker:
    """A model's blocking rules, compiled: ``keys(record)`` lists its block keys."""

    __slots__ = ("_features", "_rules", "max_block")

    def __init__(self, model: MatchModel, *, bulk: bool = False) -> None:
        self.max_block = model.max_block
        rules = model.blocking + model.bulk_blocking if bulk else model.blocking
        names = sorted({key for rule in rules for key in rule.keys})
        self._features = tuple(BLOCK_KEYS[name] for name in names)
        where = {name: i for i, name in enumerate(names)}
        self._rules = tuple(
            (n, tuple(where[key] for key in rule.keys), rule.max_block or model.max_block)
            for n, rule in enumerate(rules)
        )

    def keyed(self, p: Prepared) -> list[tuple[int, int]]:
        """(key, largest block worth comparing) for each rule whose features are present."""
        f = [fn(p) for fn in self._features]
        out = []
        for n, idx, cap in self._rules:
            if len(idx) == 1:
                a = f[idx[0]]
                if a is not None:
                    out.append((hash((n, a)), cap))
                continue
            values = [f[i] for i in idx]
            if None not in values:
                out.append((hash((n, *values)), cap))
        return out

    def keys(self, p: Prepared) -> list[int]:
        """One key per rule whose features are all present."""
        return [key for key, _cap in self.keyed(p)]


class PairSet:
    """Candidate pairs of a bulk run (indexes into A and B) and the blocks skipped."""

    def __init__(self) -> None:
        self.pairs: set[tuple[int, int]] = set()
        self.skipped_blocks = 0
        self.skipped_records = 0


def candidate_pairs(
    model: MatchModel, a: Sequence[Prepared], b: Sequence[Prepared] | None = None
) -> PairSet:
    """Pairs sharing a block (bulk rules included), each once; ``b=None`` deduplicates ``a``."""
    blocker = Blocker(model, bulk=True)
    right = a if b is None else b
    blocks: dict[int, list[int]] = {}
    caps: dict[int, int] = {}
    for j, p in enumerate(right):
        for key, cap in blocker.keyed(p):
            blocks.setdefault(key, []).append(j)
            caps[key] = cap
    out = PairSet()
    for key, held in blocks.items():
        if len(held) > caps[key]:
            out.skipped_blocks += 1
            out.skipped_records += len(held)
            held.clear()
    for i, p in enumerate(a):
        for key, _cap in blocker.keyed(p):
            for j in blocks.get(key, ()):
                if b is not None or i < j:
                    out.pairs.add((i, j))
    return out
