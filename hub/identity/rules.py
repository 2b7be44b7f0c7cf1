"""Deterministic identifier rules, applied ahead of the probabilistic score.

For each rule of the model (NHS number first, then permanent UPN): when both
records carry the same *valid* identifier, the pair links by identifier unless one
of the listed comparisons sits at an incompatible level (e.g. dates of birth or given
names clearly disagree) — then it goes to review, never a silent merge. Invalid
identifiers were already dropped when the record was prepared, so they never count.
Two *different* valid NHS numbers are handled by the model: that level carries a
review cap, so such a pair is never auto-linked (see README in ``models/``).
"""

from enum import Enum

from hub.identity.compare import NULL, level_of
from hub.identity.normalise import Prepared
from hub.identity.scoring import CompiledModel

__all__ = ["IdVerdict", "identifier_verdict"]

_LABELS = {"nhs_number": "NHS number", "upn": "UPN"}
_ATTRS = {"nhs_number": "nhs", "upn": "upn"}


class IdVerdict(Enum):
    """What the identifier rules say about a pair."""

    NONE = "none"  # no shared valid identifier: the score decides
    LINK = "link"  # same identifier, compatible demographics
    CONFLICT = "conflict"  # same identifier, clearly different person details


def identifier_verdict(cm: CompiledModel, a: Prepared, b: Prepared) -> tuple[IdVerdict, str]:
    """The first rule whose identifier both records share decides; else ``NONE``."""
    for rule in cm.model.identifier_rules:
        attr = _ATTRS[rule.identifier]
        value = getattr(a, attr)
        if value is None or value != getattr(b, attr):
            continue
        if rule.permanent_only and not (a.upn_permanent and b.upn_permanent):
            continue
        label = _LABELS[rule.identifier]
        clashes = _clashes(cm, rule.conflict_if_incompatible, a, b)
        if clashes:
            return IdVerdict.CONFLICT, f"Same {label} but {' and '.join(clashes)} disagree"
        return IdVerdict.LINK, f"Same valid {label} and compatible details"
    return IdVerdict.NONE, ""


def _clashes(cm: CompiledModel, names: list[str], a: Prepared, b: Prepared) -> list[str]:
    out = []
    for name in names:
        comparison = cm.by_name[name]
        i = level_of(comparison, a, b)
        if i != NULL and not comparison.compatible[i]:
            out.append(name.replace("_", " "))
    return out
