"""Bulk linkage of two record sets (or deduplication of one) with the stream's model.

Candidate pairs come from the model's OR-ed blocking rules (each pair once); every
pair is decided on its own with the same rules as the stream: a shared valid NHS
number or permanent UPN links, or goes to review when details conflict; otherwise
the match weight decides (``match`` from the link threshold unless a level caps the
pair at review, ``review`` from the review threshold). ``score`` is the match weight
in bits (probability = 2^score / (1 + 2^score)).

``one_to_one=True`` is for two files that are each deduplicated (one record per
person): the best-scoring pairs are kept first, and a record already matched takes
part in no further pair (a weaker rival is dropped, not reviewed).

Deduplication groups records into people the way the stream groups them into
children: match pairs join groups, strongest first, unless some pair across the two
groups scores below the review threshold (two people, not one); every pair inside a
group is then a ``match`` row, even one whose own evidence is weak (A matched B and
B matched C), which is what recovers records with several heavily corrupted copies.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

from hub.identity.blocking import candidate_pairs
from hub.identity.model import MatchModel, default_model
from hub.identity.normalise import Prepared, prepare
from hub.identity.records import PersonRecord
from hub.identity.rules import IdVerdict, identifier_verdict
from hub.identity.scoring import CompiledModel, compile_model, score

__all__ = ["LINK_COLUMNS", "LinkRow", "Progress", "decide_pair", "dedupe_records", "link_records"]

LINK_COLUMNS = ("record_id_a", "record_id_b", "score", "decision")
Progress = Callable[[int], None]  # called with the number of records just finished
Warn = Callable[[str], None]


class LinkRow(NamedTuple):
    """One output row: a pair and whether it is a match or needs review."""

    record_id_a: str
    record_id_b: str
    score: float
    decision: str


def _noop(_value: object) -> None:
    return None


def decide_pair(cm: CompiledModel, a: Prepared, b: Prepared) -> tuple[str | None, float]:
    """``match``, ``review`` or None for one pair, and its match weight in bits."""
    total, capped = score(cm, a, b)
    if (a.nhs is not None and a.nhs == b.nhs) or (a.upn is not None and a.upn == b.upn):
        verdict, _why = identifier_verdict(cm, a, b)
        if verdict is IdVerdict.LINK:
            return "match", total
        if verdict is IdVerdict.CONFLICT:
            return "review", total
    if total >= cm.link and not capped:
        return "match", total
    return ("review" if total >= cm.review else None), total


def _rows(
    cm: CompiledModel, a: Sequence[Prepared], b: Sequence[Prepared],
    pairs: set[tuple[int, int]],
) -> list[LinkRow]:  # fmt: skip
    rows = []
    for i, j in sorted(pairs):
        decision, total = decide_pair(cm, a[i], b[j])
        if decision is not None:
            rows.append(LinkRow(a[i].record_id, b[j].record_id, round(total, 2), decision))
    return rows


def _one_to_one(rows: list[LinkRow]) -> list[LinkRow]:
    used_a: set[str] = set()
    used_b: set[str] = set()
    kept = []
    order = sorted(rows, key=lambda r: (r.decision != "match", -r.score, r.record_id_a))
    for row in order:
        if row.record_id_a in used_a or row.record_id_b in used_b:
            continue
        if row.decision == "match":
            used_a.add(row.record_id_a)
            used_b.add(row.record_id_b)
        kept.append(row)
    return sorted(kept, key=lambda r: (r.record_id_a, r.record_id_b))


def _warn_skipped(skipped_blocks: int, skipped_records: int, cap: int, warn: Warn) -> None:
    if skipped_blocks:
        warn(
            f"warning: {skipped_blocks} block(s) of more than {cap} records skipped "
            f"({skipped_records:,} record slots); their records were compared by other rules"
        )


def link_records(
    a: Sequence[PersonRecord], b: Sequence[PersonRecord], model: MatchModel | None = None,
    progress: Progress = _noop, *, one_to_one: bool = False, warn: Warn = _noop,
) -> list[LinkRow]:  # fmt: skip
    """Match and review pairs between A and B; progress counts B then A records."""
    model = model or default_model()
    cm = compile_model(model)
    pb = [prepare(r) for r in b]
    progress(len(pb))
    pa = [prepare(r) for r in a]
    found = candidate_pairs(model, pa, pb)
    _warn_skipped(found.skipped_blocks, found.skipped_records, model.max_block, warn)
    rows = _rows(cm, pa, pb, found.pairs)
    progress(len(pa))
    return _one_to_one(rows) if one_to_one else rows


def dedupe_records(
    records: Sequence[PersonRecord], model: MatchModel | None = None, *, warn: Warn = _noop
) -> list[LinkRow]:
    """Match and review pairs within one record set (each pair once), grouped by person."""
    model = model or default_model()
    cm = compile_model(model)
    preps = [prepare(r) for r in records]
    found = candidate_pairs(model, preps)
    _warn_skipped(found.skipped_blocks, found.skipped_records, model.max_block, warn)
    rows = _rows(cm, preps, preps, found.pairs)
    groups = _Groups(cm, {p.record_id: p for p in preps})
    for row in sorted(rows, key=lambda r: -r.score):
        if row.decision == "match":
            groups.join(row.record_id_a, row.record_id_b)
    return groups.rows(rows)


class _Groups:
    """People found so far: record id -> group; joins vetoed by a clearly different pair."""

    def __init__(self, cm: CompiledModel, preps: dict[str, Prepared]) -> None:
        self.cm, self.preps = cm, preps
        self.group: dict[str, list[str]] = {}

    def members(self, rid: str) -> list[str]:
        return self.group.get(rid) or [rid]

    def join(self, a: str, b: str) -> None:
        ga, gb = self.members(a), self.members(b)
        if ga is gb:
            return
        p = self.preps
        if any(score(self.cm, p[x], p[y])[0] < self.cm.review for x in ga for y in gb):
            return  # someone in one group is clearly not someone in the other
        merged = ga + gb
        for rid in merged:
            self.group[rid] = merged

    def rows(self, rows: list[LinkRow]) -> list[LinkRow]:
        """Every pair inside a group as ``match``; review rows across groups kept."""
        out = [r for r in rows if r.decision == "review" and
               self.members(r.record_id_a) is not self.members(r.record_id_b)]  # fmt: skip
        seen = set()
        for members in self.group.values():
            if id(members) in seen:
                continue
            seen.add(id(members))
            ordered = sorted(members)
            for i, x in enumerate(ordered):
                for y in ordered[i + 1 :]:
                    total = score(self.cm, self.preps[x], self.preps[y])[0]
                    out.append(LinkRow(x, y, round(total, 2), "match"))
        return sorted(out, key=lambda r: (r.record_id_a, r.record_id_b))
