"""The worker's own ingest commits: what a finished batch commits, when, and what is re-read."""

from dataclasses import dataclass, field

from faust.types import TP, Message
from prometheus_client import REGISTRY

from streams.offsets import BatchOffsets, current, in_order, next_offsets, own_read_order


@dataclass
class _Event:
    message: Message


def _event(topic: str, partition: int, offset: int, generation: int = 3) -> _Event:
    message = Message(topic, partition, offset, 0.0, 0, None, None, b"k", b"v", None)
    message.generation_id = generation
    return _Event(message)


@dataclass
class _Consumer:
    """Faust's consumer as `BatchOffsets` sees it: an in-flight set and ``_commit``."""

    refuse: bool = False
    unacked: set[Message] = field(default_factory=set)
    commits: list[dict[TP, int]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    _committed_offset: dict[TP, int | None] = field(default_factory=dict)
    earliest: int = 0
    seeks: list[tuple[TP, int]] = field(default_factory=list)

    async def seek(self, partition: TP, offset: int) -> None:
        self.seeks.append((partition, offset))

    async def earliest_offsets(self, *partitions: TP) -> dict[TP, int]:
        return dict.fromkeys(partitions, self.earliest)

    async def _commit(self, offsets: dict[TP, int]) -> bool:
        self.log.append("commit")
        self.commits.append(dict(offsets))
        return not self.refuse

    async def flush(self) -> None:
        self.log.append("flush")


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _offsets(consumer: _Consumer, clock: _Clock | None = None) -> BatchOffsets:
    return BatchOffsets(consumer, consumer.flush, clock=clock or _Clock())


def test_next_offsets_is_one_past_the_last_event_of_each_partition() -> None:
    batch = [_event("a", 0, 5), _event("b", 0, 9), _event("a", 0, 6), _event("a", 1, 0)]
    assert next_offsets(batch) == {TP("a", 0): 7, TP("b", 0): 10, TP("a", 1): 1}  # type: ignore[arg-type]


def test_events_from_before_a_rebalance_or_during_one_are_left_to_be_re_read() -> None:
    batch = [_event("a", 0, 1, generation=2), _event("a", 0, 2, generation=3)]
    assert [e.message.offset for e in current(batch, 3)] == [2]  # type: ignore[arg-type]
    assert current(batch, 3, flowing=False) == []  # type: ignore[arg-type]


async def test_a_batch_in_flight_is_waited_for_and_a_finished_one_is_not() -> None:
    consumer = _Consumer()
    offsets = _offsets(consumer)
    batch = [_event("a", 2, 41), _event("a", 2, 42)]
    offsets.begin(batch)  # type: ignore[arg-type]
    assert len(consumer.unacked) == 2  # Faust's wait_empty holds a rebalance or stop
    offsets.done(batch)  # type: ignore[arg-type]
    assert consumer.unacked == set()
    assert offsets.pending == {TP("a", 2): 43}


async def test_a_failed_batch_is_never_committed() -> None:
    consumer = _Consumer()
    offsets = _offsets(consumer)
    batch = [_event("a", 0, 0)]
    offsets.begin(batch)  # type: ignore[arg-type]
    offsets.abandon(batch)  # type: ignore[arg-type]
    assert consumer.unacked == set()
    assert not await offsets.commit_pending()
    assert consumer.commits == []


async def test_finished_batches_are_committed_together_after_the_table_writes() -> None:
    consumer = _Consumer()
    offsets = _offsets(consumer)
    offsets.done([_event("a", 0, 0)])  # type: ignore[list-item]
    offsets.done([_event("a", 0, 1), _event("b", 1, 7)])  # type: ignore[list-item]
    assert consumer.log == []  # done never commits: the batch path does not wait for it
    assert await offsets.commit_pending()
    assert consumer.log == ["flush", "commit"]
    assert consumer.commits == [{TP("a", 0): 2, TP("b", 1): 8}]
    assert offsets.pending == {}


async def test_commit_pending_commits_what_finished_and_reports_a_refusal() -> None:
    consumer = _Consumer(refuse=True)
    offsets = _offsets(consumer)
    assert not await offsets.commit_pending()  # nothing finished: nothing to commit
    assert consumer.log == []
    offsets.done([_event("a", 0, 4)])  # type: ignore[list-item]
    assert not await offsets.commit_pending()  # refused (a rebalance took the partition)
    assert consumer.commits == [{TP("a", 0): 5}]


def test_stale_events_are_counted() -> None:
    offsets = _offsets(_Consumer())
    batch = [_event("a", 0, 1, generation=1), _event("a", 0, 2, generation=1)]
    assert offsets.current(batch, 2, flowing=True) == []  # type: ignore[arg-type]
    assert offsets.stale == 2


def _offs(events: list[_Event]) -> list[int]:
    return [e.message.offset for e in events]


A0 = TP("a", 0)


def _rereads(reason: str) -> float:
    value = REGISTRY.get_sample_value("send_hub_ingest_rereads_total", {"reason": reason})
    return value or 0.0


def test_in_order_keeps_a_contiguous_run_and_reports_the_first_gap() -> None:
    expected = {A0: 5, TP("a", 1): 0}
    batch = [_event("a", 0, o) for o in (3, 4, 5, 6, 9, 7, 10)] + [_event("a", 1, 0)]
    kept, gaps = in_order(batch, expected)  # type: ignore[arg-type]
    assert _offs(kept) == [5, 6, 0]  # type: ignore[arg-type]  # 3, 4 were done already
    assert gaps == {A0: 9}  # 7 is missing-adjacent but after the gap: left for the re-read
    assert expected == {A0: 7, TP("a", 1): 1}


async def test_admit_anchors_at_the_commit_and_rewinds_past_a_skip() -> None:
    consumer = _Consumer(_committed_offset={A0: 75})
    offsets = _offsets(consumer)
    first = [_event("a", 0, o) for o in range(75, 99)]
    assert _offs(await offsets.admit(first, 3, True)) == list(range(75, 99))  # type: ignore[arg-type]
    # Faust delivered a record fetched before its seek: 414 comes where 99 should
    skipped = [_event("a", 0, o) for o in range(414, 420)]
    before = _rereads("gap")
    assert await offsets.admit(skipped, 3, True) == []  # type: ignore[arg-type]
    assert consumer.seeks == [(A0, 99)] and offsets.rewinds == 1
    assert _rereads("gap") == before + 1  # ops see it on /metrics
    again = [_event("a", 0, o) for o in range(99, 120)]
    assert _offs(await offsets.admit(again, 3, True)) == list(range(99, 120))  # type: ignore[arg-type]


async def test_a_partition_never_committed_starts_at_its_earliest_offset() -> None:
    consumer = _Consumer(earliest=40)
    offsets = _offsets(consumer)
    batch = [_event("a", 0, 40), _event("a", 0, 41)]
    assert _offs(await offsets.admit(batch, 3, True)) == [40, 41]  # type: ignore[arg-type]
    assert consumer.seeks == []


async def test_records_queued_past_a_gap_are_dropped_without_seeking_again() -> None:
    consumer, clock = _Consumer(_committed_offset={A0: 10}), _Clock()
    offsets = _offsets(consumer, clock)
    for start in (91, 158, 239):  # Faust's backlog from before its seek keeps arriving
        batch = [_event("a", 0, o) for o in range(start, start + 5)]
        assert await offsets.admit(batch, 3, True) == []  # type: ignore[arg-type]
        clock.now += 0.05
    assert consumer.seeks == [(A0, 10)]  # one rewind: more seeks would only restart the fetch
    kept = await offsets.admit([_event("a", 0, 10), _event("a", 0, 11)], 3, True)  # type: ignore[list-item]
    assert _offs(kept) == [10, 11]  # type: ignore[arg-type]


async def test_an_open_gap_is_rewound_again_by_the_timer_even_with_nothing_delivered() -> None:
    consumer, clock = _Consumer(_committed_offset={A0: 10}), _Clock()
    offsets = _offsets(consumer, clock)
    assert await offsets.admit([_event("a", 0, 90)], 3, True) == []  # type: ignore[list-item]
    await offsets.retry_gaps()
    assert consumer.seeks == [(A0, 10)]  # too soon to try again
    clock.now += 1.5  # a stale record moved the fetch past the gap; nothing else arrives
    await offsets.retry_gaps()
    assert consumer.seeks == [(A0, 10), (A0, 10)]
    kept = await offsets.admit([_event("a", 0, 10)], 3, True)  # type: ignore[list-item]
    assert _offs(kept) == [10]  # type: ignore[arg-type]
    clock.now += 5
    await offsets.retry_gaps()
    assert len(consumer.seeks) == 2  # the gap closed: no more rewinds


async def test_records_deleted_by_retention_are_stepped_over() -> None:
    consumer, clock = _Consumer(_committed_offset={A0: 10}, earliest=50), _Clock()
    offsets = _offsets(consumer, clock)
    assert await offsets.admit([_event("a", 0, 50)], 3, True) == []  # type: ignore[list-item]
    clock.now += 1.5
    await offsets.retry_gaps()
    assert offsets.expected[A0] == 50 and consumer.seeks == [(A0, 10)]
    assert _offs(await offsets.admit([_event("a", 0, 50)], 3, True)) == [50]  # type: ignore[list-item]


async def test_a_new_generation_anchors_again() -> None:
    consumer = _Consumer(_committed_offset={A0: 5})
    offsets = _offsets(consumer)
    await offsets.admit([_event("a", 0, 5, generation=3)], 3, True)  # type: ignore[list-item]
    consumer._committed_offset[A0] = 2  # another worker committed less; we re-read from there
    kept = await offsets.admit([_event("a", 0, 2, generation=4)], 4, True)  # type: ignore[list-item]
    assert _offs(kept) == [2]  # type: ignore[arg-type]


def test_faust_read_offsets_are_off_for_ingest_topics_only() -> None:
    class _FaustConsumer:
        _read_offset: dict[TP, int | None] = {A0: 7}  # stand-in state

    consumer = _FaustConsumer()
    own_read_order(consumer, frozenset({"a"}))
    consumer._read_offset[TP("b", 0)] = 9  # Faust still records every delivery
    consumer._read_offset[A0] = 400  # a stale record got through after a seek
    assert consumer._read_offset[A0] is None  # so a re-fetched 8 is not dropped as "read"
    assert consumer._read_offset[TP("b", 0)] == 9
    assert consumer._read_offset[TP("c", 1)] is None
