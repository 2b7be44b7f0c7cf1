"""The worker's local state copy: changelog records in, the pipeline's loader out."""

from pathlib import Path

import pytest

from hub.timeline.buckets import TimelineItem
from streams.pipeline import PartitionChanges
from streams.state import LocalState, changelog_messages, changelog_topic


def _changes() -> PartitionChanges:
    return PartitionChanges(
        dedupe={3: ["e1", "e2"], 4: ["e3"]},
        dedupe_evicted={1},
        timeline={"C1|2025-01": [TimelineItem(10, 20, "e1", "t:0:5")]},
    )


@pytest.fixture(params=["memory", "rocksdb"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> LocalState:
    path = None if request.param == "memory" else tmp_path / "db"
    return LocalState(path, window_buckets=2)


def test_changelog_records_are_keyed_by_partition_and_store() -> None:
    stores = changelog_messages(7, _changes())
    keys = {store: [key for key, _ in records] for store, records in stores.items()}
    assert keys == {
        "dedupe": [b"7|dd|3", b"7|dd|4", b"7|head", b"7|dd|1"],
        "timeline": [b"7|C1|2025-01"],
    }
    assert dict(stores["dedupe"])[b"7|dd|1"] is None  # an evicted bucket is a tombstone
    assert changelog_topic("send-hub", "dedupe") == "send-hub-state-dedupe"


def test_written_records_load_back_as_the_pipeline_wants_them(state: LocalState) -> None:
    state.write([(b"7|dd|1", b'["old"]')])
    for records in changelog_messages(7, _changes()).values():
        state.write(records)
    # window of 2 buckets below head 4: buckets 3 and 4; bucket 1 was deleted anyway
    assert list(state.dedupe_buckets(7)) == [(3, ["e1", "e2"]), (4, ["e3"])]
    assert state.timeline_bucket(7, "C1|2025-01") == [TimelineItem(10, 20, "e1", "t:0:5")]
    assert state.timeline_bucket(8, "C1|2025-01") is None
    assert list(state.dedupe_buckets(8)) == []


def test_checkpoints_and_purge_are_per_partition(state: LocalState) -> None:
    for partition in (1, 2):
        for records in changelog_messages(partition, _changes()).values():
            state.write(records)
        state.set_checkpoint(partition, "dedupe", 40 + partition)
    assert state.checkpoint(1, "dedupe") == 41 and state.checkpoint(1, "timeline") == 0
    assert state.purge(1) > 0
    assert state.checkpoint(1, "dedupe") == 0 and list(state.dedupe_buckets(1)) == []
    assert state.checkpoint(2, "dedupe") == 42 and list(state.dedupe_buckets(2))
    state.close()
