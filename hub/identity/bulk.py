"""Bulk linkage of two record sets with the streaming matcher (no I/O here).

File B seeds a child index: each B record is matched against the B records before
it and joins that child on an auto-link, else starts a child of its own, so B's own
duplicates do not look like rival candidates. Each A record is then matched against
those children: an auto-link yields a ``match`` row for every B record of the child,
a review a ``review`` row for the B record that scored best. ``score`` is the match
weight in bits (probability = 2^score / (1 + 2^score)).
"""

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from hub.identity.index import CandidateIndex
from hub.identity.match_decision import Outcome, decide
from hub.identity.model import MatchModel
from hub.identity.normalise import prepare
from hub.identity.records import PersonRecord

__all__ = ["LINK_COLUMNS", "LinkRow", "Progress", "link_records", "seed_index"]

LINK_COLUMNS = ("record_id_a", "record_id_b", "score", "decision")
Progress = Callable[[int], None]  # called with the number of records just finished


class LinkRow(NamedTuple):
    """One output row: a pair and whether it is a match or needs review."""

    record_id_a: str
    record_id_b: str
    score: float
    decision: str


def _noop(_done: int) -> None:
    return None


def seed_index(
    records: Iterable[PersonRecord], model: MatchModel | None = None,
    progress: Progress = _noop,
) -> CandidateIndex:  # fmt: skip
    """A child index from records: auto-linked records share a child, others start one."""
    index = CandidateIndex(model)
    compiled = index.compiled
    for record in records:
        prep = prepare(record)
        keys = index.block_keys(prep)  # once, for both the match and the add
        decision = decide(compiled, prep, index.candidates(prep, keys), explain=False)
        child = decision.candidate_child_id if decision.is_link else None
        index.add(child or f"B:{prep.record_id}", prep, keys)
        progress(1)
    return index


def link_records(
    a: Sequence[PersonRecord], b: Sequence[PersonRecord], model: MatchModel | None = None,
    progress: Progress = _noop,
) -> list[LinkRow]:  # fmt: skip
    """Match and review pairs between A and B; progress counts B then A records."""
    index = seed_index(b, model, progress)
    rows: list[LinkRow] = []
    for record in a:
        decision = index.match(record, explain=False)
        progress(1)
        child, weight = decision.candidate_child_id, decision.match_weight
        if decision.outcome is Outcome.NO_MATCH or child is None or weight is None:
            continue
        score = round(weight, 2)
        if decision.is_link:
            rows += [
                LinkRow(record.record_id, rid, score, "match") for rid in index.records_of(child)
            ]
        elif decision.candidate_record_id is not None:
            rows.append(LinkRow(record.record_id, decision.candidate_record_id, score, "review"))
    return rows
