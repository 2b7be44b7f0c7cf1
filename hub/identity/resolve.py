"""Deterministic identity resolution: tie an event's subject to one child via the crosswalk.

Order of precedence: the source person key (``src:...``, the publisher's own id for the
person), then a validated NHS number, then a permanent UPN. When these point at different
children, the children are one child and are merged (survivor = smallest id) — unless they hold
different NHS numbers, which is never auto-linked: the entry keeps the source person's child
and is flagged ``IDENTIFIER_CONFLICT``. When nothing is known, an optional probabilistic
`Matcher` is asked; otherwise a new child is created with a deterministic id
(uuid5 of its first source key), so a replay recreates the same ids. A subject reached only
through a shared NHS number or UPN (its source key is new) is also shown to the matcher: when
it answers REVIEW (the same identifier with clearly different demographics) the subject gets
a provisional child and a review instead of a silent merge, flagged ``IDENTIFIER_CONFLICT``.
A REVIEW or LINK_SCORE proposal is returned on the `Resolution` for the caller to publish.

Shape: ``resolve(crosswalk, event, keys, now, matcher) -> (crosswalk, Resolution)``; the
crosswalk is updated in place (it is large) and returned for the pure-core signature.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol

from hub.identity.crosswalk import Crosswalk, child_id_for, merge_link
from hub.intake.validate import SubjectKeys
from hub.models import IdentityLink, MatchExplanation, MatchInfo
from hub.models.timeline import EntryFlag

__all__ = ["MatchProposal", "Matcher", "Resolution", "resolve"]

_BY_RULE = {
    rule: MatchInfo(outcome="LINK_IDENTIFIER", rule=rule)
    for rule in ("source_person", "nhs_number", "upn")
}
_BY_SOURCE = _BY_RULE["source_person"]
_NEW = MatchInfo(outcome="NEW_CHILD", rule="new")


@dataclass(frozen=True, slots=True)
class MatchProposal:
    """What a probabilistic matcher proposes for a subject no identifier links."""

    outcome: Literal["LINK_SCORE", "REVIEW"]
    child_id: str | None
    score: float | None
    model_version: str | None
    explanation: MatchExplanation | None = None
    candidate_record_id: str | None = None


class Matcher(Protocol):
    """The probabilistic stage: propose a child, and learn every resolved record."""

    def propose(self, event: Mapping[str, Any], keys: SubjectKeys) -> MatchProposal | None: ...

    def observe(self, child_id: str, event: Mapping[str, Any]) -> None: ...


class Resolution(NamedTuple):  # a tuple, not a frozen dataclass: built once per event, 2x faster
    """The child an event belongs to, how it was matched, and the links to publish."""

    child_id: str
    match: MatchInfo
    links: tuple[IdentityLink, ...]
    flags: tuple[EntryFlag, ...]
    proposal: MatchProposal | None = None  # the matcher's, when it decided the child


def _known(cw: Crosswalk, keys: SubjectKeys) -> list[tuple[str, str]]:
    """(rule, child) for each key already linked, in precedence order."""
    found = []
    for rule, key in (
        ("source_person", keys.source),
        ("nhs_number", keys.nhs_number and f"nhs:{keys.nhs_number}"),
        ("upn", keys.upn and f"upn:{keys.upn}"),
    ):
        child = cw.lookup(key) if key else None
        if child is not None:
            found.append((rule, child))
    return found


def _proposed(
    cw: Crosswalk, keys: SubjectKeys, proposal: MatchProposal | None
) -> tuple[str, MatchInfo]:
    if proposal is None:
        return child_id_for(keys.first_key()), _NEW
    info = MatchInfo(
        outcome=proposal.outcome, rule="score", score=proposal.score,
        model_version=proposal.model_version, explanation=proposal.explanation,
    )  # fmt: skip
    if proposal.outcome == "LINK_SCORE" and proposal.child_id is not None:
        child = cw.root(proposal.child_id)
        if not keys.nhs_number or cw.can_hold_nhs(child, keys.nhs_number):
            return child, info
        info = info.model_copy(update={"outcome": "REVIEW"})  # two NHS numbers: never auto
    return child_id_for(keys.first_key()), info  # review: a provisional child of its own


def _ask(
    event: Mapping[str, Any],
    keys: SubjectKeys,
    found: list[tuple[str, str]],
    matcher: Matcher | None,
) -> MatchProposal | None:
    """The matcher's proposal when it has a say: no key known, or only a shared identifier."""
    if matcher is None or (found and found[0][0] == "source_person"):
        return None
    proposal = matcher.propose(event, keys)
    if found and (proposal is None or proposal.outcome != "REVIEW"):
        return None  # the identifier rule stands
    return proposal


def _merge_known(
    cw: Crosswalk, child: str, found: list[tuple[str, str]], now: datetime
) -> tuple[str, list[IdentityLink], bool]:
    links: list[IdentityLink] = []
    conflict = False
    for _, other in found[1:]:
        done = cw.union(child, other)
        if done is not None:
            links.append(merge_link(*done, at=now))
        elif cw.root(other) != cw.root(child):
            conflict = True
    return cw.root(child), links, conflict


def _link_new_keys(
    cw: Crosswalk, child: str, keys: SubjectKeys, match: MatchInfo, now: datetime
) -> tuple[list[IdentityLink], bool]:
    links, conflict = [], False
    wanted = [keys.source] if keys.source else []
    if keys.nhs_number:
        if cw.can_hold_nhs(child, keys.nhs_number):
            wanted.append(f"nhs:{keys.nhs_number}")
        else:
            conflict = True
    if keys.upn:
        wanted.append(f"upn:{keys.upn}")
    for key in wanted:
        if cw.lookup(key) is None:
            cw.link(key, child)
            links.append(IdentityLink(key=key, child_id=child, kind="LINK", match=match, at=now))
    return links, conflict


def _settled(cw: Crosswalk, keys: SubjectKeys) -> str | None:
    """The child every key of the subject is already linked to, if one is (most events).

    Then the general path decides nothing: the source person rule stands, the matcher is not
    asked, nothing merges and nothing is linked; only an NHS number the child cannot hold
    still flags a conflict. Checking that first keeps the common case cheap.
    """
    child = cw.lookup(keys.source) if keys.source else None
    if child is None:
        return None
    if keys.nhs_number and cw.lookup(f"nhs:{keys.nhs_number}") != child:
        return None
    if keys.upn and cw.lookup(f"upn:{keys.upn}") != child:
        return None
    return child


def resolve(
    cw: Crosswalk,
    event: Mapping[str, Any],
    keys: SubjectKeys,
    now: datetime,
    matcher: Matcher | None = None,
) -> tuple[Crosswalk, Resolution]:
    """Resolve ``keys`` to a child, updating ``cw``; links to publish are in the result."""
    child = _settled(cw, keys)
    if child is not None:
        conflict = bool(keys.nhs_number) and not cw.can_hold_nhs(child, keys.nhs_number or "")
        if matcher is not None:
            matcher.observe(child, event)
        flags = (EntryFlag.IDENTIFIER_CONFLICT,) if conflict else ()
        return cw, Resolution(cw.root(child), _BY_SOURCE, (), flags)
    found = _known(cw, keys)
    proposal = _ask(event, keys, found, matcher)
    links: list[IdentityLink] = []
    conflict = bool(found and proposal is not None)  # shared identifier, different person
    if found and proposal is None:
        rule, child = found[0]
        match = _BY_RULE[rule]
        child, links, conflict = _merge_known(cw, child, found, now)
    else:
        child, match = _proposed(cw, keys, proposal)
    new_links, nhs_conflict = _link_new_keys(cw, child, keys, match, now)
    links.extend(new_links)
    if matcher is not None:
        matcher.observe(child, event)
    flags = (EntryFlag.IDENTIFIER_CONFLICT,) if conflict or nhs_conflict else ()
    return cw, Resolution(cw.root(child), match, tuple(links), flags, proposal)
