"""The worker's clock stage without a broker: state, restarts, merges, unmerges, quiet feeds.

A recording sender stands in for the producer (these are unit tests; the broker round trip
is in tests/integration/test_clocks_worker.py).
"""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from hub import models as m
from hub.config import Settings
from hub.files.clocks import load_rulebook
from schemas.catalogue import IDENTITY_LINK, TIMELINE_ENTRY
from schemas.serde import decode_model, default_serde, to_avro
from streams.clocks import ClockStage
from tests.unit.clocks.helpers import event

REQ = date(2025, 1, 6)


class RecordingSender:
    """Collects what would have been produced, and acknowledges at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, bytes]] = []

    async def send(
        self, topic: str, messages: Sequence[tuple[bytes, bytes]]
    ) -> list[asyncio.Future[object]]:
        self.sent.extend((topic, k, v) for k, v in messages)
        done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return [done]

    def alerts(self) -> list[m.Alert]:
        found = [decode_model(v) for _, _, v in self.sent]
        return [a for a in found if isinstance(a, m.Alert)]


@dataclass
class Msg:
    value: bytes
    offset: int


def _stage(tmp_path: Path, now: datetime, sender: RecordingSender) -> ClockStage:
    settings = Settings(data_dir=tmp_path, topic_prefix="t", clocks_now=now)
    return ClockStage(settings, load_rulebook(), sender)  # type: ignore[arg-type]


def _entry(child: str, ev: m.Event) -> bytes:
    entry = m.TimelineEntry(
        entry_id=ev.event_id, child_id=child, event=ev, summary="s",
        provenance=m.Provenance(event_id=ev.event_id, topic="t", partition=0, offset=0,
                                match=m.MatchInfo(outcome="NEW_CHILD", rule="new")),
        published_at=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return default_serde().encode(TIMELINE_ENTRY, to_avro(entry))


def _merge(loser: str, survivor: str) -> bytes:
    link = m.IdentityLink(
        key=f"child:{loser}", child_id=survivor, kind="MERGE", merged_into=survivor,
        match=m.MatchInfo(outcome="LINK_IDENTIFIER", rule="nhs"),
        at=datetime(2025, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    return default_serde().encode(IDENTITY_LINK, to_avro(link))


def _run(stage: ClockStage, batch: dict) -> None:  # type: ignore[type-arg]
    from aiokafka import TopicPartition

    asyncio.run(stage.process({TopicPartition(t, 0): msgs for t, msgs in batch.items()}))


def _at(days: int) -> datetime:
    return datetime.combine(REQ + timedelta(days=days), datetime.min.time(), UTC) + timedelta(
        hours=12
    )


def test_breach_is_raised_once_by_the_timer_and_not_again_after_a_restart(tmp_path: Path) -> None:
    sender = RecordingSender()
    first = _stage(tmp_path, _at(100), sender)
    _run(
        first,
        {"t.timeline": [Msg(_entry("C1", event(m.EHCNARequested(received_date=REQ), REQ)), 0)]},
    )
    assert [a.rule_id for a in sender.alerts()] == []  # day 100: nothing due soon, 6 w too old
    first.close()
    again = _stage(tmp_path, _at(141), sender)
    asyncio.run(again.tick())
    breaches = [a for a in sender.alerts() if a.kind is m.AlertKind.CLOCK_BREACH]
    assert [a.rule_id for a in breaches] == ["ehc_20_weeks"]
    again.close()
    third = _stage(tmp_path, _at(150), sender)
    asyncio.run(third.tick())
    assert len([a for a in sender.alerts() if a.kind is m.AlertKind.CLOCK_BREACH]) == 1
    assert third.store.offsets() == {("t.timeline", 0): 1}


def test_a_merge_joins_half_journeys_and_a_republished_entry_moves_back(tmp_path: Path) -> None:
    sender = RecordingSender()
    stage = _stage(tmp_path, _at(150), sender)
    final = event(m.EHCFinalIssued(final_date=REQ + timedelta(days=139)), REQ + timedelta(days=139))
    request = event(m.EHCNARequested(received_date=REQ), REQ)
    _run(stage, {"t.timeline": [Msg(_entry("C1", request), 0), Msg(_entry("C2", final), 1)]})
    assert [a.rule_id for a in sender.alerts()] == ["ehc_20_weeks"]  # C1 alone is overdue
    _run(stage, {"t.identity.links": [Msg(_merge("C2", "C1"), 0)]})
    survivor = stage.store.child("C1")
    assert survivor is not None and len(survivor.facts) == 2 and stage.store.child("C2") is None
    _run(stage, {"t.timeline": [Msg(_entry("C3", final), 2)]})  # unmerged onto C3
    assert len(stage.store.child("C1").facts) == 1  # type: ignore[union-attr]
    assert stage.store.child("C3").facts[0].event_id == final.event_id  # type: ignore[union-attr]


def test_a_quiet_feed_raises_one_alert(tmp_path: Path) -> None:
    sender = RecordingSender()
    stage = _stage(tmp_path, _at(0), sender)
    stage.policy = stage.policy.model_copy(update={"configured": {"EDUCATION/119000/TEST": 3600.0}})
    pupil = event(m.PupilEnrolled(urn="119000", entry_date=REQ), REQ, org="119000")
    _run(stage, {"t.timeline": [Msg(_entry("C1", pupil), 0)]})
    stage.now = lambda: _at(1)
    asyncio.run(stage.tick())
    asyncio.run(stage.tick())
    quiet = [a for a in sender.alerts() if a.kind is m.AlertKind.FEED_QUIET]
    assert [a.subject_key for a in quiet] == ["EDUCATION/119000/TEST"]


def test_unreadable_records_are_skipped_and_their_offsets_still_advance(tmp_path: Path) -> None:
    sender = RecordingSender()
    stage = _stage(tmp_path, _at(10), sender)
    request = event(m.EHCNARequested(received_date=REQ), REQ)
    _run(stage, {"t.timeline": [Msg(b"\xc3\x01garbage", 0), Msg(b"", 1),
                                Msg(_entry("C1", request), 2)]})  # fmt: skip
    _run(stage, {"t.identity.links": [Msg(b"not avro at all", 0)]})
    assert stage.store.offsets() == {("t.timeline", 0): 3, ("t.identity.links", 0): 1}
    assert stage.store.child("C1") is not None and sender.alerts() == []
