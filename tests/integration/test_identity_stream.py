"""Probabilistic identity on the real broker: score link, review and decision, unmerge.

One ``send-hub worker`` subprocess over this test's topics. A typo'd record (no shared
identifier) links by score; an ambiguous one raises a review item on send.identity.review and
a LINK decision produced to send.identity.decisions (as the web API does) merges it; an
UNMERGE decision splits the typo'd record off again and re-publishes its entry.
"""

import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.models import (
    AgencyKind,
    CallerRole,
    Event,
    IdentityReviewDecision,
    LinkDecision,
    PupilEnrolled,
    RecordRef,
    Reviewer,
    ReviewItem,
    Sex,
    Source,
    Subject,
    TimelineEntry,
    build_event,
)  # fmt: skip
from infra.credentials import Principal
from infra.security import connection_for
from schemas.serde import decode, encode_model
from tests.integration.test_pipeline import (
    admin,
    crosswalk,
    entries,
    publish,
    read_topic,
    topics_ready,
    wait_for_entries,
    workers,
)  # fmt: skip

pytestmark = pytest.mark.integration
__all__ = ["topics_ready"]  # the fixture, re-exported for pytest
T = TypeVar("T")
WAIT = 90.0
OLIVER: dict[str, Any] = {
    "given_name": "Oliver", "family_name": "Hartley", "date_of_birth": date(2015, 3, 7),
    "sex": Sex.MALE, "postcode": "PR1 2AB",
}  # fmt: skip


def _event(org: str, person: str, **subject: Any) -> Event:
    at = datetime.now(UTC) - timedelta(days=2)
    return build_event(
        PupilEnrolled(urn="100001", entry_date=date(2024, 9, 1)),
        source=Source(
            agency_kind=AgencyKind.EDUCATION, org_code=org, system="SIMS",
            source_record_id=f"{org}-{person}", record_version=1,
        ),
        subject=Subject(source_person_id=person, **(OLIVER | subject)),
        occurred_at=at, recorded_at=at + timedelta(hours=1),
    )  # fmt: skip


def _until(what: str, probe: Callable[[], T | None], timeout: float = WAIT) -> T:
    deadline = time.monotonic() + timeout
    while (found := probe()) is None:
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.5)
    return found


def _entry(settings: Settings, entry_id: str) -> TimelineEntry:
    """The latest version of an entry on send.timeline."""
    return [e for e in entries(settings) if e.entry_id == entry_id][-1]


def _decide(settings: Settings, *decisions: IdentityReviewDecision) -> None:
    # As the web, the only principal the broker lets write decisions.
    producer = KafkaProducer(**connection_for(settings, Principal.WEB).kafka_python(), acks="all")
    try:
        topic = settings.topic("identity.decisions")
        for decision in decisions:  # one key: one partition, applied in this order
            producer.send(topic, key=decision.review_id.encode(), value=encode_model(decision))
        producer.flush(30)
    finally:
        producer.close()


def _moved(settings: Settings, entry_id: str, old: str) -> TimelineEntry | None:
    """A version of the entry published on a child outside ``old``'s group, if any yet."""
    cw = crosswalk(settings)
    versions = [e for e in entries(settings) if e.entry_id == entry_id]
    return next((e for e in versions if cw.root(e.child_id) != cw.root(old)), None)


def _same(settings: Settings, a: str, b: str) -> bool:
    cw = crosswalk(settings)
    return cw.root(a) == cw.root(b)


def _reviews(settings: Settings) -> list[ReviewItem]:
    values = read_topic(admin(settings), settings.topic("identity.review"))
    return [ReviewItem.model_validate(decode(v).record) for v in values]


def _reviewer(subject: str) -> Reviewer:
    return Reviewer(subject=subject, org="888", org_kind=AgencyKind.LOCAL_AUTHORITY,
                    role=CallerRole.EHC_COORD)  # fmt: skip


def _ref(org: str, person: str) -> RecordRef:
    return RecordRef(
        agency_kind=AgencyKind.EDUCATION, org_code=org, system="SIMS", source_person_id=person
    )


def _score_link(settings: Settings, original: Event, typo: Event) -> tuple[str, TimelineEntry]:
    """(a) the typo'd record is linked by score to the existing child, with its explanation."""
    publish(settings, [original])
    wait_for_entries(settings, {original.event_id}, WAIT)
    publish(settings, [typo])
    wait_for_entries(settings, {typo.event_id}, WAIT)
    child = _entry(settings, original.event_id).child_id
    linked = _entry(settings, typo.event_id)
    assert crosswalk(settings).root(linked.child_id) == child
    assert linked.provenance.match.outcome == "LINK_SCORE"
    assert linked.provenance.match.explanation is not None
    assert linked.provenance.match.explanation.items
    return child, linked


def _review_then_link(settings: Settings, ambiguous: Event, child: str) -> None:
    """(b) the ambiguous record raises a review; a LINK decision puts it on the candidate;
    a NOT_A_MATCH right behind it (another web instance, same item) changes nothing."""
    publish(settings, [ambiguous])
    item = _until("a review item", lambda: next(iter(_reviews(settings)), None))
    assert item.status == "OPEN" and crosswalk(settings).root(item.candidate_child_id) == child
    assert item.record.source_person_id == "r1" and item.explanation.items
    link = IdentityReviewDecision(
        review_id=item.review_id, records=(_ref("ORG3", "r1"),),
        child_id=item.candidate_child_id, decision=LinkDecision.LINK,
        decided_by="caseworker", decided_at=datetime.now(UTC), reason="same child",
        reviewer=_reviewer("caseworker"),
    )  # fmt: skip
    other = link.model_copy(update={"decision": LinkDecision.NOT_A_MATCH, "decided_by": "bob",
                                    "reviewer": _reviewer("bob")})  # fmt: skip
    _decide(settings, link, other)
    _until("the merge", lambda: _same(settings, item.provisional_child_id, child) or None)
    assert _same(settings, _entry(settings, ambiguous.event_id).child_id, child)
    decided = [i for i in _reviews(settings) if i.status == "DECIDED"]
    decided = decided or _until("the DECIDED item", lambda: [
        i for i in _reviews(settings) if i.status == "DECIDED"
    ] or None)  # fmt: skip
    assert decided[0].decision == "LINK" and decided[0].review_id == item.review_id
    assert decided[0].decided_by == "caseworker"  # the first decision won


def _unmerge(settings: Settings, typo: Event, child: str) -> TimelineEntry:
    """(c) UNMERGE the typo'd record: its entry is re-published on a new child."""
    _decide(settings, IdentityReviewDecision(
        review_id="U" + uuid.uuid4().hex, records=(_ref("ORG2", "q1"),), child_id=child,
        decision=LinkDecision.UNMERGE, decided_by="sam", decided_at=datetime.now(UTC),
        reason="different child", reviewer=_reviewer("sam"), approver=_reviewer("kim"),
    ))  # fmt: skip
    return _until("the re-published entry", lambda: _moved(settings, typo.event_id, child))


def test_score_link_review_decision_and_unmerge(
    topics_ready: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = topics_ready
    partnership = tmp_path / "partnership.yaml"  # the LA 888 works with the three schools
    partnership.write_text('version: 1\ngroups:\n  - name: it\n'
                           '    organisations: ["888", ORG1, ORG2, ORG3]\n')  # fmt: skip
    monkeypatch.setenv("SEND_HUB_PARTNERSHIP_FILE", str(partnership))  # workers inherit it
    original, typo = _event("ORG1", "p1"), _event("ORG2", "q1", family_name="Hartely")
    ambiguous = _event("ORG3", "r1", given_name=None)
    with workers(settings, tmp_path, ["w1"]):
        child, _ = _score_link(settings, original, typo)
        _review_then_link(settings, ambiguous, child)
        split = _unmerge(settings, typo, child)
    cw = crosswalk(settings)
    assert cw.root(split.child_id) != cw.root(child)
    assert cw.lookup("src:EDUCATION:ORG2:SIMS:q1") == split.child_id
    assert split.entry_id == typo.event_id and split.event.event_id == typo.event_id
    assert cw.root(_entry(settings, original.event_id).child_id) == cw.root(child)
    assert cw.root(_entry(settings, ambiguous.event_id).child_id) == cw.root(child)
