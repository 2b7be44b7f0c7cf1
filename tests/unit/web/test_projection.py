"""Projection into the read model: idempotent upserts, order, merge redirects, unmerge."""

import sqlite3
from datetime import timedelta

from hub.models import EventType as T
from hub.web.readmodel import queries as q
from hub.web.readmodel import store
from hub.web.readmodel.projection import apply_entry, apply_link, apply_link_tombstone, family_key
from tests.unit.web.factory import BASE, Person, entry, link, merge

A, B, C = "C00000000000a", "C00000000000b", "C00000000000c"
ADA = Person("P-1", nhs_number="9434765919", upn="B801200005001")


def _ids(conn: sqlite3.Connection, child: str) -> list[str]:
    members = q.members_of(conn, q.survivor_of(conn, child))
    rows = q.timeline_rows(conn, members, q.TimelineFilter(), None, 1000)
    return [row["entry_id"] for row in rows]


def test_redelivered_entries_are_stored_once(conn: sqlite3.Connection) -> None:
    e = entry(A, ADA, T.PupilEnrolled)
    for _ in range(3):
        apply_entry(conn, e)
    assert store.status(conn)["entries"] == 1
    assert _ids(conn, A) == [e.entry_id]


def test_timeline_order_is_occurred_then_recorded_then_id_whatever_the_arrival(
    conn: sqlite3.Connection,
) -> None:
    late = entry(A, ADA, T.EHCNARequested, day=5)
    early = entry(A, ADA, T.PupilEnrolled, day=1)
    same_day_recorded_later = entry(
        A, ADA, T.SENSupportStarted, day=5, recorded_after=timedelta(days=2)
    )
    for e in (same_day_recorded_later, late, early):  # out of order
        apply_entry(conn, e)
    assert _ids(conn, A) == [early.entry_id, late.entry_id, same_day_recorded_later.entry_id]


def test_an_older_copy_never_replaces_a_newer_one(conn: sqlite3.Connection) -> None:
    old = entry(A, ADA, published=BASE)
    moved = old.model_copy(update={"child_id": B, "published_at": BASE + timedelta(days=1)})
    apply_entry(conn, moved)
    apply_entry(conn, old)  # a stale copy from another partition, read after the newer one
    assert _ids(conn, A) == []
    assert _ids(conn, B) == [old.entry_id]


def test_unmerge_republish_moves_the_entry_to_its_new_child(conn: sqlite3.Connection) -> None:
    e = entry(A, ADA, published=BASE)
    apply_entry(conn, e)
    apply_entry(conn, e.model_copy(update={"child_id": C, "published_at": BASE + timedelta(1)}))
    assert (_ids(conn, A), _ids(conn, C)) == ([], [e.entry_id])


def test_a_merge_redirects_the_losers_entries_before_or_after_they_arrive(
    conn: sqlite3.Connection,
) -> None:
    first = entry(A, ADA, T.PupilEnrolled, day=1)
    apply_entry(conn, first)
    apply_link(conn, merge(B, A))
    second = entry(B, ADA, T.HealthReferralMade, day=2)  # the loser's entry, after the merge
    apply_entry(conn, second)
    assert q.survivor_of(conn, B) == A
    assert _ids(conn, A) == _ids(conn, B) == [first.entry_id, second.entry_id]


def test_merges_chain_to_the_final_survivor(conn: sqlite3.Connection) -> None:
    entries = [entry(child, ADA, T.PupilEnrolled, day=i) for i, child in enumerate((A, B, C))]
    for e in entries:
        apply_entry(conn, e)
    apply_link(conn, merge(C, B))
    apply_link(conn, merge(B, A))
    assert q.survivor_of(conn, C) == A
    assert sorted(q.members_of(conn, A)) == [A, B, C]
    assert _ids(conn, C) == [e.entry_id for e in entries]


def test_an_unmerge_of_the_child_key_ends_the_redirect(conn: sqlite3.Connection) -> None:
    apply_entry(conn, entry(B, ADA))
    apply_link(conn, merge(B, A))
    unmerge = merge(B, A, at=BASE + timedelta(days=1)).model_copy(
        update={"kind": "UNMERGE", "child_id": B, "merged_into": None}
    )
    apply_link(conn, unmerge)
    assert q.survivor_of(conn, B) == B
    assert q.members_of(conn, A) == [A]


def test_a_stale_link_never_replaces_a_newer_one(conn: sqlite3.Connection) -> None:
    apply_link(conn, link("nhs:9434765919", B, at=BASE + timedelta(days=1)))
    apply_link(conn, link("nhs:9434765919", A, at=BASE))
    assert q.children_by_identifier(conn, "nhs", "9434765919") == {B}


def test_a_tombstone_forgets_the_key(conn: sqlite3.Connection) -> None:
    apply_link(conn, merge(B, A))
    apply_link_tombstone(conn, f"child:{B}")
    assert q.survivor_of(conn, B) == B


def test_redirect_loops_in_bad_data_terminate(conn: sqlite3.Connection) -> None:
    apply_link(conn, merge(A, B))
    apply_link(conn, merge(B, A))
    assert q.survivor_of(conn, A) in {A, B}
    assert sorted(q.members_of(conn, A)) == [A, B]


def test_family_names_fold_for_search() -> None:
    assert family_key("O'Brien-Smith") == family_key("obrien smith") == "OBRIENSMITH"
    assert family_key("Zoë") == "ZOE"
    assert family_key("  ") is None
