"""Consent state: the latest record per id is current; grants keep to their window."""

from datetime import date

from hub.consent import ConsentState
from hub.models import ConsentAction as A
from hub.models import GiverRole
from tests.unit.consent import world as w

BASIS = w.consent_basis(GiverRole.PR_HOLDER)


def _grant(**kw: object) -> object:
    return w.record(A.GRANT, consent_id="G1", org="100001", role="SENCO", basis=BASIS, **kw)  # type: ignore[arg-type]


def test_a_withdrawal_takes_effect_whatever_date_it_carries() -> None:
    grant = _grant(recorded=date(2026, 1, 2))
    withdrawal = w.record(
        A.WITHDRAW,
        consent_id="G1",
        org="100001",
        role="SENCO",
        basis=BASIS,
        recorded=date(2026, 1, 3),
        valid_from=date(2026, 6, 1),
    )
    state = w.consents(withdrawal, grant)  # type: ignore[arg-type]
    assert state.current(A.GRANT, w.noon(date(2026, 1, 4))) == []
    (pair,) = state.withdrawn_grants()
    assert pair == (grant, withdrawal)


def test_a_later_regrant_with_the_same_id_is_current_again_and_redelivery_changes_nothing() -> None:
    first = _grant(recorded=date(2026, 1, 2))
    withdrawal = w.record(
        A.WITHDRAW,
        consent_id="G1",
        org="100001",
        role="SENCO",
        basis=BASIS,
        recorded=date(2026, 1, 3),
    )
    again = _grant(recorded=date(2026, 1, 9))
    state = ConsentState()
    for r in (first, withdrawal, again, again, withdrawal):
        state.add(r)  # type: ignore[arg-type]
    assert state.current(A.GRANT, w.noon(date(2026, 1, 10))) == [again]
    assert len(state.history["G1"]) == 3


def test_a_grant_counts_only_inside_its_window() -> None:
    state = w.consents(_grant(valid_from=date(2026, 2, 1), valid_to=date(2026, 3, 1)))  # type: ignore[arg-type]
    assert state.current(A.GRANT, w.noon(date(2026, 1, 31))) == []
    assert state.current(A.GRANT, w.noon(date(2026, 2, 15)))
    assert state.current(A.GRANT, w.noon(date(2026, 3, 1))) == []
