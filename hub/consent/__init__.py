"""Consent and lawful-basis enforcement: who may see which of a child's entries, for which
purpose, now, and why. Pure: the policy is parsed from already-read data, relationships and
consent state are folds over events and consent records, and time is passed in.

Start with `decide` (one entry) or `ReadContext` (many entries of one read); the policy file
is read by ``hub.files.policy.load_policy``.
"""

from hub.consent.deciders import age_on, end_of_compulsory_school_age, may_decide
from hub.consent.decision import CallerLike, ReadContext, decide, local_day
from hub.consent.outcomes import Decision, Outcome, ReasonClass
from hub.consent.policy import Detail, Permit, PolicyError, SharingPolicy, parse_policy
from hub.consent.relationships import (
    EhcCase,
    Period,
    Relationship,
    RelationshipKind,
    Relationships,
)
from hub.consent.state import BreakGlass, ConsentState

__all__ = [
    "BreakGlass",
    "CallerLike",
    "ConsentState",
    "Decision",
    "Detail",
    "EhcCase",
    "Outcome",
    "Period",
    "Permit",
    "PolicyError",
    "ReadContext",
    "ReasonClass",
    "Relationship",
    "RelationshipKind",
    "Relationships",
    "SharingPolicy",
    "age_on",
    "decide",
    "end_of_compulsory_school_age",
    "local_day",
    "may_decide",
    "parse_policy",
]
