"""Identity review logic: review ids, record snapshots, and applying a reviewer's decision.

A subject the matcher scores between the review and link thresholds (or whose shared NHS
number comes with clearly different demographics) stays on a provisional child of its own and
a `ReviewItem` is published to ``send.identity.review`` (key = ``review_id``). A person's
`IdentityReviewDecision` on ``send.identity.decisions`` (key = ``review_id``) settles it:
LINK merges the provisional child into the candidate, NOT_A_MATCH is remembered so the pair is
never asked again nor auto-linked, UNMERGE (``review_id`` = ``U`` + uuid hex) splits the
listed source records off a child. The worker re-publishes a decided item with status DECIDED.

``review_id`` is deterministic (`review_id_for`), so a replay or a second worker produces the
same item under the same key, and "once per pair" holds on the compacted topic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from hub.identity.crosswalk import Crosswalk, child_id_for, merge_link
from hub.models import (
    IdentityLink,
    IdentityReviewDecision,
    LinkDecision,
    MatchInfo,
    PersonSnapshot,
    RecordRef,
    ReviewItem,
    source_person_key,
)

__all__ = [
    "Applied",
    "apply_decision",
    "record_key",
    "review_id_for",
    "snapshot_from_event",
]


def review_id_for(source_key: str, candidate_child_id: str) -> str:
    """``R`` + 16 hex digits of sha1 over the sorted pair (record source key, candidate child)."""
    pair = "\x1f".join(sorted((source_key, candidate_child_id)))
    return "R" + hashlib.sha1(pair.encode()).hexdigest()[:16]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def snapshot_from_event(event: Mapping[str, Any], source_key: str) -> PersonSnapshot:
    """The subject of an (Avro-shaped) event as a snapshot under its source person key."""
    source, subject = event["source"], event["subject"]
    dob = subject.get("date_of_birth")
    return PersonSnapshot(
        source_key=source_key,
        agency_kind=str(source.get("agency_kind", "")),
        org_code=str(source.get("org_code", "")),
        system=str(source.get("system", "")),
        source_person_id=str(subject.get("source_person_id") or ""),
        given_name=_text(subject.get("given_name")),
        family_name=_text(subject.get("family_name")),
        date_of_birth=dob if isinstance(dob, date) else None,
        sex=_text(subject.get("sex")),
        postcode=_text(subject.get("postcode")),
        nhs_number=_text(subject.get("nhs_number")),
        upn=_text(subject.get("upn")),
    )


REVIEWED = MatchInfo(outcome="LINK_SCORE", rule="reviewed")


@dataclass
class Applied:
    """What applying one decision changed: links to publish, the decided item, moved keys."""

    links: list[IdentityLink] = field(default_factory=list)
    decided: ReviewItem | None = None
    not_a_match: str | None = None  # review id to remember
    moved: list[str] = field(default_factory=list)  # source keys split off (UNMERGE)
    new_child: str | None = None
    old_child: str | None = None
    refused: bool = False  # LINK not applied: the two children hold different NHS numbers


def record_key(ref: RecordRef, people: Mapping[str, PersonSnapshot]) -> str | None:
    """The source person key of a record reference (agency kind looked up when absent)."""
    if ref.agency_kind is not None:
        return source_person_key(ref.agency_kind, ref.org_code, ref.system, ref.source_person_id)
    tail = source_person_key("", ref.org_code, ref.system, ref.source_person_id)[len("src:") :]
    return next((key for key in people if key.endswith(tail)), None)


def _decided(item: ReviewItem | None, d: IdentityReviewDecision) -> ReviewItem | None:
    if item is None or item.status == "DECIDED" or d.decision is LinkDecision.UNMERGE:
        return None
    update = {"status": "DECIDED", "decision": d.decision.value, "decided_by": d.decided_by,
              "decided_at": d.decided_at}  # fmt: skip
    return item.model_copy(update=update)


def _link(
    cw: Crosswalk, d: IdentityReviewDecision, item: ReviewItem | None, key: str | None
) -> Applied:
    provisional = cw.lookup(key) if key else None
    provisional = provisional or (item.provisional_child_id if item else None)
    candidate = d.child_id or (item.candidate_child_id if item else None)
    out = Applied()
    if provisional is None or candidate is None:
        return out
    done = cw.union(provisional, candidate)
    out.refused = done is None and cw.root(provisional) != cw.root(candidate)
    if done is not None:
        match = REVIEWED.model_copy(update={"explanation": item.explanation if item else None})
        out.links.append(merge_link(*done, at=d.decided_at, match=match))
    return out


def _identifier_keys(
    cw: Crosswalk, moving: list[str], people: Mapping[str, PersonSnapshot], root: str
) -> list[str]:
    """nhs:/upn: keys of the moving records that no record staying on ``root`` also holds."""

    def ids(p: PersonSnapshot) -> set[str]:
        return {k for k in (p.nhs_number and f"nhs:{p.nhs_number}", p.upn and f"upn:{p.upn}") if k}

    wanted = set().union(*(ids(people[k]) for k in moving if k in people))
    staying = [p for k, p in people.items() if k not in moving and cw.lookup(k) == root]
    kept = set().union(*(ids(p) for p in staying)) if staying else set()
    return sorted(k for k in wanted - kept if cw.lookup(k) == root)


def _unmerge(
    cw: Crosswalk, d: IdentityReviewDecision, people: Mapping[str, PersonSnapshot], now: datetime
) -> Applied:
    keys = [k for ref in d.records if (k := record_key(ref, people)) is not None]
    root = cw.root(d.child_id) if d.child_id else (cw.lookup(keys[0]) if keys else None)
    moving = [k for k in keys if cw.lookup(k) == root]
    if root is None or not keys:
        return Applied()
    new_child = child_id_for(f"{keys[0]}|{d.review_id}")
    if not moving:
        # Redelivered (e.g. after a crash between the links and the entries): no link to
        # publish again, but the moved records' entries are re-published (idempotent).
        done = [k for k in keys if cw.lookup(k) == cw.root(new_child)]
        return Applied(moved=done, new_child=new_child, old_child=root) if done else Applied()
    moved = cw.split([*moving, *_identifier_keys(cw, moving, people, root)], new_child)
    match = MatchInfo(outcome="LINK_IDENTIFIER", rule="unmerge")
    links = [
        IdentityLink(key=k, child_id=new_child, kind="UNMERGE", match=match, at=now,
                     person=people.get(k))
        for k in moved
    ]  # fmt: skip
    return Applied(links=links, moved=moving, new_child=new_child, old_child=root)


def apply_decision(
    cw: Crosswalk,
    decision: IdentityReviewDecision,
    item: ReviewItem | None,
    people: Mapping[str, PersonSnapshot],
    now: datetime,
) -> Applied:
    """Apply a reviewer's decision to the crosswalk; idempotent (a repeat changes nothing)."""
    if decision.decision is LinkDecision.UNMERGE:
        return _unmerge(cw, decision, people, now)
    if decision.decision is LinkDecision.LINK:
        out = _link(cw, decision, item, record_key(decision.records[0], people))
    else:
        out = Applied(not_a_match=decision.review_id)
    out.decided = _decided(item, decision)
    return out
