"""Identity resolution: match a person record to a child record, with explanations.

Public API (imported lazily, so ``hub.identity.resolve`` users do not pay for it):

- `PersonRecord` — the bulk-linkage columns as a model; `prepare` normalises one.
- `MatchModel`, `default_model()`; model files are read and written by `hub.files.matching_model`.
- `CandidateIndex(model)` with ``add(child_id, record)``, ``remove(record_id)``,
  ``reassign(record_id, child_id)``, ``match(record)``; `match(index, record)`.
- `MatchDecision` (``outcome``: `Outcome`, candidate, weight, probability, explanation).
- `train(records, base)`; `link_records(a, b, model)` and `dedupe_records(records, model)`
  for bulk linkage; `hub.identity.report.model_report(model)` for a trained model's report.
- `hub.identity.matcher.IndexMatcher`: the ``Matcher`` of ``hub.identity.resolve``.
"""

from importlib import import_module
from typing import Any

__all__ = [
    "CandidateIndex",
    "ExplanationTerm",
    "LinkRow",
    "MatchDecision",
    "MatchModel",
    "Outcome",
    "PersonRecord",
    "dedupe_records",
    "default_model",
    "link_records",
    "match",
    "prepare",
    "train",
]

_HOME = {
    "CandidateIndex": "index", "match": "index", "ExplanationTerm": "scoring",
    "MatchDecision": "match_decision", "Outcome": "match_decision", "MatchModel": "model",
    "default_model": "model",
    "PersonRecord": "records", "prepare": "normalise", "train": "training",
    "LinkRow": "bulk", "link_records": "bulk", "dedupe_records": "bulk",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(import_module(f"hub.identity.{_HOME[name]}"), name)
    raise AttributeError(f"module 'hub.identity' has no attribute {name!r}")
