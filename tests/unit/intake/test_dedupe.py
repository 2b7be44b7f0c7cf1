"""Dedupe window: duplicates inside the window are caught; the window is bounded."""

import pytest

from hub.intake.dedupe import DedupeWindow


def test_second_sight_of_an_id_is_a_duplicate() -> None:
    window = DedupeWindow()
    assert window.add("a") and not window.add("a") and window.seen("a")


def test_window_is_bounded_to_buckets_times_size() -> None:
    window = DedupeWindow(bucket_size=2, buckets=3)
    for i in range(10):
        window.add(f"e{i}")
    assert len(window) <= 6
    assert not window.seen("e0") and window.seen("e9")
    assert window.add("e0")  # beyond the window it is new again (the timeline still dedupes)


def test_changes_are_reported_per_bucket_for_persistence() -> None:
    window = DedupeWindow(bucket_size=2, buckets=2)
    for i in range(3):
        window.add(f"e{i}")
    dirty, evicted = window.take_changes()
    assert dirty == {0: ["e0", "e1"], 1: ["e2"]} and evicted == set()
    for i in range(3, 6):
        window.add(f"e{i}")
    dirty, evicted = window.take_changes()
    assert evicted == {0, 1} - set(dirty) and max(dirty) == 2
    assert window.take_changes() == ({}, set())


def test_restored_window_catches_duplicates_after_restart() -> None:
    first = DedupeWindow(bucket_size=2, buckets=4)
    for i in range(5):
        first.add(f"e{i}")
    saved, _ = first.take_changes()
    restored = DedupeWindow(bucket_size=2, buckets=4)
    for number, ids in saved.items():
        restored.load(number, ids)
    assert not restored.add("e3")
    assert restored.add("e5")
    dirty, _ = restored.take_changes()
    assert dirty == {2: ["e4", "e5"]}


def test_bad_sizes_are_refused() -> None:
    with pytest.raises(ValueError):
        DedupeWindow(bucket_size=0)
