"""Timeline state: ordered despite late events, idempotent on entry id, grows by buckets."""

import random

from hub.timeline.buckets import TimelineItem, TimelineState, bucket_key, insert

DAY = 86_400_000
T0 = 1_735_689_600_000  # 2025-01-01T00:00Z


def test_late_and_out_of_order_events_end_in_order() -> None:
    items = [TimelineItem(T0 + i * DAY * 7, T0 + i * DAY * 7 + 5, f"e{i:03d}") for i in range(60)]
    shuffled = items[:]
    random.Random(3).shuffle(shuffled)
    state = TimelineState()
    for item in shuffled:
        assert state.add("C1", item)
    assert list(state.timeline(["C1"])) == items


def test_same_entry_twice_is_one_entry() -> None:
    state = TimelineState()
    item = TimelineItem(T0, T0, "e1")
    assert state.add("C1", item) and not state.add("C1", item)
    assert not state.add("C1", item._replace(ref="elsewhere"))
    assert len(state) == 1


def test_ties_order_by_recorded_then_entry_id() -> None:
    bucket: list[TimelineItem] = []
    for item in [
        TimelineItem(T0, T0 + 2, "a"),
        TimelineItem(T0, T0 + 1, "z"),
        TimelineItem(T0, T0 + 1, "b"),
    ]:
        insert(bucket, item)
    assert [i.entry_id for i in bucket] == ["b", "z", "a"]


def test_an_event_touches_only_its_month_bucket() -> None:
    state = TimelineState()
    for i in range(90):
        state.add("C1", TimelineItem(T0 + i * DAY, T0 + i * DAY, f"e{i}"))
    state.take_dirty()
    state.add("C1", TimelineItem(T0 + 40 * DAY, T0 + 95 * DAY, "late"))
    assert list(state.take_dirty()) == [bucket_key("C1", T0 + 40 * DAY)] == ["C1|2025-02"]


def test_merged_children_read_as_one_timeline() -> None:
    state = TimelineState()
    state.add("C1", TimelineItem(T0 + 2, T0 + 2, "x"))
    state.add("C2", TimelineItem(T0 + 1, T0 + 1, "y"))
    state.add("C2", TimelineItem(T0 + 40 * DAY, T0 + 40 * DAY, "z"))
    assert [i.entry_id for i in state.timeline(["C1", "C2"])] == ["y", "x", "z"]


def test_restored_buckets_keep_idempotency() -> None:
    state = TimelineState()
    state.add("C1", TimelineItem(T0, T0, "e1"))
    saved = state.take_dirty()
    restored = TimelineState()
    for key, items in saved.items():
        restored.load(key, items)
    assert not restored.add("C1", TimelineItem(T0, T0, "e1"))
    assert [i.entry_id for i in restored.timeline(["C1"])] == ["e1"]


def test_eviction_keeps_unsaved_buckets() -> None:
    state = TimelineState()
    for i in range(5):
        state.add(f"C{i}", TimelineItem(T0, T0, f"e{i}"))
    assert state.evict(2) == 0  # all dirty: nothing may go before it is saved
    state.take_dirty()
    state.add("C9", TimelineItem(T0, T0, "e9"))
    assert state.evict(2) == 4 and "C9|2025-01" in state.buckets


def test_eviction_keeps_buckets_named_as_pending() -> None:
    state = TimelineState()
    for i in range(3):
        state.add(f"C{i}", TimelineItem(T0, T0, f"e{i}"))
    state.take_dirty()  # saved to the changelog, but not yet to the store
    assert state.evict(0, keep={"C1|2025-01"}) == 2 and list(state.buckets) == ["C1|2025-01"]
