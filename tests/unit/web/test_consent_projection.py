"""The consent side of the read model: marks follow their entry, records follow the child."""

import sqlite3
from datetime import date, timedelta

from hub.consent import RelationshipKind
from hub.models import ConsentAction, GiverRole
from hub.models import EventType as T
from hub.web.readmodel import consent as store
from hub.web.readmodel.projection import apply_entry, apply_link
from tests.unit.consent import world as w
from tests.unit.web.factory import Person, entry, link, merge

A, B = "C00000000000a", "C00000000000b"
ADA = Person("P-1", nhs_number="9434765919")


def _kinds(conn: sqlite3.Connection, child: str) -> set[RelationshipKind]:
    rels = store.relationships(conn, [child])
    return {r.kind for r in rels.active_on(date(2025, 6, 1))}


def test_marks_move_with_a_republished_entry_and_an_older_copy_changes_nothing(
    conn: sqlite3.Connection,
) -> None:
    first = entry(A, ADA, T.PupilEnrolled)
    apply_entry(conn, first)
    assert _kinds(conn, A) == {RelationshipKind.ON_ROLL}
    moved = first.model_copy(
        update={"child_id": B, "published_at": first.published_at + timedelta(days=1)}
    )
    apply_entry(conn, moved)
    assert (_kinds(conn, A), _kinds(conn, B)) == (set(), {RelationshipKind.ON_ROLL})
    apply_entry(conn, first)  # a late redelivery of the older copy
    assert (_kinds(conn, A), _kinds(conn, B)) == (set(), {RelationshipKind.ON_ROLL})


def test_a_school_roll_proved_by_thousands_of_returns_folds_to_one_run(
    conn: sqlite3.Connection,
) -> None:
    apply_entry(conn, entry(A, ADA, T.PupilEnrolled))
    for day in range(1, 400, 7):
        apply_entry(conn, entry(A, ADA, T.SENNeedChanged, day=day))
    apply_entry(conn, entry(A, ADA, T.PupilLeft, day=500))
    rels = store.relationships(conn, [A])
    (runs,) = [rels.runs(key) for key in rels.marks]
    assert len(runs) == 1 and runs[0].until is not None


def test_consent_records_reach_the_child_through_its_links_and_merges(
    conn: sqlite3.Connection,
) -> None:
    basis = w.consent_basis(GiverRole.PR_HOLDER)
    grant = w.record(ConsentAction.GRANT, consent_id="G1", org="RXX", role="PAED", basis=basis)
    grant = grant.model_copy(update={"subject": ADA.subject()})
    store.apply_consent(conn, grant)
    store.apply_consent(conn, grant)  # redelivered
    assert store.consent_state(conn, [A]).history == {}
    apply_entry(conn, entry(B, ADA, T.Diagnosis))
    apply_link(conn, link("nhs:9434765919", B))
    apply_link(conn, merge(B, A))
    assert list(store.consent_state(conn, [A, B]).history["G1"]) == [grant]
