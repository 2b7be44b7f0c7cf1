"""Unmerge support in the timeline state: moving entries between children by entry id."""

from hub.timeline.buckets import TimelineItem, TimelineState

JAN, FEB = 1_704_067_200_000, 1_706_745_600_000  # 2024-01-01, 2024-02-01 (UTC)


def test_move_takes_exactly_the_named_entries_and_marks_both_sides_dirty() -> None:
    state = TimelineState()
    for i, at in enumerate((JAN, JAN + 1, FEB)):
        state.add("C1", TimelineItem(at, at, f"e{i}"))
    state.add("C0", TimelineItem(JAN, JAN, "x"))
    state.take_dirty()
    assert state.move({"e0", "e2", "x"}, ["C1"], "C9") == 2
    assert [i.entry_id for i in state.timeline(["C9"])] == ["e0", "e2"]
    assert [i.entry_id for i in state.timeline(["C1"])] == ["e1"]
    assert [i.entry_id for i in state.timeline(["C0"])] == ["x"]  # other children untouched
    assert set(state.take_dirty()) == {"C1|2024-01", "C1|2024-02", "C9|2024-01", "C9|2024-02"}
    assert state.move({"e0"}, ["C1"], "C9") == 0  # idempotent
