"""``GET /api/kpis`` after a simulated year equals the simulator's own ground truth, exactly.

The simulation is published through the real adapters (no broker); each event goes on its true
child's timeline (identity matching is measured elsewhere) in the web's read model, and the
20-week rows the API serves are compared with counts made from ``ehc_truth.csv``.
"""

import csv
import sqlite3
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from connectors.simulator import simulate
from connectors.simulator.replay import publish_simulation
from hub.auth import Caller, OrgKind, Role, issue_token
from hub.models import Event, Purpose
from hub.web.readmodel import store
from hub.web.readmodel.projection import apply_entry
from tests.unit.clocks.test_simulator_truth import _truth_children, _truth_counts
from tests.unit.web.clockfactory import as_entry
from tests.unit.web.conftest import ISSUER, NOW, SECRET


def _load(sim: Path, conn: sqlite3.Connection) -> None:
    truth, events = _truth_children(sim), list[Event]()
    assert publish_simulation(sim, events.append).rejected == 0
    with store.transaction(conn):
        for e in events:
            child = truth[(e.source.system, e.source.org_code, e.subject.source_person_id)]
            apply_entry(conn, as_entry(child, e))


def test_api_kpis_after_a_simulator_run_equal_its_ground_truth(
    client: TestClient, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    coordinator = Caller(subject="c", org="888", org_kind=OrgKind.LOCAL_AUTHORITY,
                         role=Role.EHC_COORD, purpose=Purpose.STATUTORY_RETURN)  # fmt: skip
    token = issue_token(coordinator, secret=SECRET, issuer=ISSUER, now=NOW, ttl=timedelta(hours=1))
    auth = {"Authorization": f"Bearer {token}"}
    sim = tmp_path / "sim"
    simulate(600, 365, 21, sim)
    _load(sim, conn)
    response = client.get(
        "/api/kpis", params={"measure": "ehc_plans_within_20_weeks"}, headers=auth
    )
    assert response.status_code == 200
    served = {
        (r["la"], r["month"]): (r["numerator"], r["denominator"])
        for r in response.json()
        if not r["exceptions_excluded"]
    }
    truth = _truth_counts(sim)
    assert sum(d for _, d in truth.values()) >= 15
    assert served == truth
    with (sim / "ehc_truth.csv").open(newline="") as handle:
        las = {r["la"] for r in csv.DictReader(handle) if r["activity"] == "FINAL"}
    assert {la for la, _ in served} == las  # every simulated LA with plans is on the board
