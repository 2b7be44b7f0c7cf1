"""Turn scored candidates into one `MatchDecision` with its explanation.

Order of precedence: identifier rules (a shared valid NHS number or permanent UPN
links, or goes to review on conflicting details), then the score: auto-link when
the best child reaches the link threshold, has no review-capped level and beats the
runner-up child by the margin; review when it reaches the review threshold; else
no match. Only the chosen pair is explained, which keeps matching fast.
"""

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

from hub.identity.normalise import Prepared
from hub.identity.rules import IdVerdict, identifier_verdict
from hub.identity.scoring import CompiledModel, ExplanationTerm, explain, probability, score

__all__ = ["Candidate", "ExplanationTerm", "MatchDecision", "Outcome", "decide"]

Candidate = tuple[str, Prepared]  # (child id, one of that child's prepared records)


class Outcome(StrEnum):
    """What to do with a record."""

    LINK_IDENTIFIER = "link_identifier"
    LINK_SCORE = "link_score"
    REVIEW = "review"
    NO_MATCH = "no_match"


class MatchDecision(BaseModel):
    """The outcome for one record and why; ``prior + Σ terms = match_weight``."""

    model_config = ConfigDict(frozen=True)

    outcome: Outcome
    candidate_child_id: str | None = None
    candidate_record_id: str | None = None
    match_weight: float | None = None
    probability: float | None = None
    runner_up_weight: float | None = None
    model_version: str
    reason: str
    prior: float
    tf_adjustment: float = 0.0
    explanation: list[ExplanationTerm] = []

    @property
    def is_link(self) -> bool:
        return self.outcome in (Outcome.LINK_IDENTIFIER, Outcome.LINK_SCORE)


class _Best:
    __slots__ = ("capped", "prep", "total", "verdict", "why")

    def __init__(self, prep: Prepared, total: float, capped: bool, verdict: IdVerdict, why: str):
        self.prep, self.total, self.capped, self.verdict, self.why = (
            prep, total, capped, verdict, why
        )  # fmt: skip


def _best_per_child(cm: CompiledModel, q: Prepared, cands: Iterable[Candidate]) -> dict[str, _Best]:
    best: dict[str, _Best] = {}
    nhs, upn = q.nhs, q.upn
    for child, prep in cands:
        total, capped = score(cm, q, prep)
        if (nhs is not None and nhs == prep.nhs) or (upn is not None and upn == prep.upn):
            verdict, why = identifier_verdict(cm, q, prep)
        else:
            verdict, why = IdVerdict.NONE, ""
        held = best.get(child)
        if held is None or (verdict is IdVerdict.LINK, total) > (
            held.verdict is IdVerdict.LINK,
            held.total,
        ):
            best[child] = _Best(prep, total, capped, verdict, why)
    return best


def _choose(cm: CompiledModel, best: dict[str, _Best]) -> tuple[Outcome, str, str | None]:
    linked = [c for c, b in best.items() if b.verdict is IdVerdict.LINK]
    if len(linked) == 1:
        return Outcome.LINK_IDENTIFIER, best[linked[0]].why, linked[0]
    if linked:
        top = max(linked, key=lambda c: best[c].total)
        return Outcome.REVIEW, "The same identifier is held by more than one child", top
    conflicts = [c for c, b in best.items() if b.verdict is IdVerdict.CONFLICT]
    if conflicts:
        top = max(conflicts, key=lambda c: best[c].total)
        return Outcome.REVIEW, best[top].why, top
    return _by_score(cm, best)


def _by_score(cm: CompiledModel, best: dict[str, _Best]) -> tuple[Outcome, str, str | None]:
    ranked = sorted(best, key=lambda c: best[c].total, reverse=True)
    if not ranked or best[ranked[0]].total < cm.review:
        return Outcome.NO_MATCH, "No candidate reaches the review threshold", None
    top = best[ranked[0]]
    runner = best[ranked[1]].total if len(ranked) > 1 else None
    if top.total < cm.link:
        return Outcome.REVIEW, "Score between the review and link thresholds", ranked[0]
    if top.capped:
        return Outcome.REVIEW, "Score is high enough but a field clearly disagrees", ranked[0]
    if runner is not None and runner >= cm.review and top.total - runner < cm.margin:
        return Outcome.REVIEW, "Another child scores almost as well", ranked[0]
    return Outcome.LINK_SCORE, "Score reaches the link threshold", ranked[0]


def _explained(
    cm: CompiledModel, query: Prepared, chosen: _Best
) -> tuple[float, float, list[ExplanationTerm]]:
    terms, total = explain(cm, query, chosen.prep)
    return total, sum(t.tf_adjustment for t in terms), terms


def decide(
    cm: CompiledModel, query: Prepared, candidates: Iterable[Candidate], *, explain: bool = True
) -> MatchDecision:
    """The decision for ``query`` among candidate records of existing children.

    ``explain=False`` skips the per-comparison terms (bulk linkage does not store them).
    """
    best = _best_per_child(cm, query, candidates)
    outcome, reason, child = _choose(cm, best)
    others = [b.total for c, b in best.items() if c != child]
    fields: dict[str, Any] = {
        "outcome": outcome,
        "reason": reason,
        "model_version": cm.label,
        "prior": cm.prior,
        "runner_up_weight": max(others) if others else None,
        "candidate_child_id": child,
    }
    fields |= _candidate_fields(cm, query, best[child], explain) if child else _no_candidate()
    # Every field given: model_construct then skips default handling (it deep-copies).
    return MatchDecision.model_construct(**fields)


def _no_candidate() -> dict[str, Any]:
    return {
        "candidate_record_id": None,
        "match_weight": None,
        "probability": None,
        "tf_adjustment": 0.0,
        "explanation": [],
    }


def _candidate_fields(cm: CompiledModel, query: Prepared, chosen: _Best, explain: bool) -> dict:
    total, tf_total, terms = _explained(cm, query, chosen) if explain else (chosen.total, 0.0, [])
    return {
        "candidate_record_id": chosen.prep.record_id,
        "match_weight": total,
        "probability": probability(total),
        "tf_adjustment": tf_total,
        "explanation": terms,
    }
