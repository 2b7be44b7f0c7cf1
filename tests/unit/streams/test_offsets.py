"""The worker's own ingest commits: what a finished batch commits, and what is re-read."""

from dataclasses import dataclass, field

from faust.types import TP, Message

from streams.offsets import BatchOffsets, current, next_offsets


@dataclass
class _Event:
    message: Message


def _event(topic: str, partition: int, offset: int, generation: int = 3) -> _Event:
    message = Message(topic, partition, offset, 0.0, 0, None, None, b"k", b"v", None)
    message.generation_id = generation
    return _Event(message)


@dataclass
class _Consumer:
    """Records commits the way Faust's consumer receives them; refuses when told to."""

    refuse: bool = False
    commits: list[dict[TP, int]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    async def _commit(self, offsets: dict[TP, int]) -> bool:
        self.log.append("commit")
        self.commits.append(dict(offsets))
        return not self.refuse

    async def flush(self) -> None:
        self.log.append("flush")


def test_next_offsets_is_one_past_the_last_event_of_each_partition() -> None:
    batch = [_event("a", 0, 5), _event("b", 0, 9), _event("a", 0, 6), _event("a", 1, 0)]
    assert next_offsets(batch) == {TP("a", 0): 7, TP("b", 0): 10, TP("a", 1): 1}  # type: ignore[arg-type]


def test_events_fetched_before_the_latest_rebalance_are_not_processed() -> None:
    batch = [_event("a", 0, 1, generation=2), _event("a", 0, 2, generation=3)]
    assert [e.message.offset for e in current(batch, 3)] == [2]  # type: ignore[arg-type]


async def test_a_batch_commits_after_flushing_the_table_writes() -> None:
    consumer = _Consumer()
    offsets = BatchOffsets(consumer, consumer.flush)
    assert await offsets.commit([_event("a", 2, 41), _event("a", 2, 42)])  # type: ignore[list-item]
    assert consumer.log == ["flush", "commit"]
    assert consumer.commits == [{TP("a", 2): 43}]


async def test_an_empty_batch_commits_nothing_and_a_refused_commit_is_reported() -> None:
    consumer = _Consumer(refuse=True)
    offsets = BatchOffsets(consumer, consumer.flush)
    assert not await offsets.commit([])
    assert consumer.log == []
    assert not await offsets.commit([_event("a", 0, 0)])  # type: ignore[list-item]


def test_stale_events_are_counted() -> None:
    consumer = _Consumer()
    offsets = BatchOffsets(consumer, consumer.flush)
    batch = [_event("a", 0, 1, generation=1), _event("a", 0, 2, generation=1)]
    assert offsets.current(batch, 2) == []  # type: ignore[arg-type]
    assert offsets.stale == 2
