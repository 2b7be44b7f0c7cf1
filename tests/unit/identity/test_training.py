"""Unsupervised training: EM recovers known m; training on synthetic records is sensible."""

import random
from datetime import date

import pytest

from hub.identity.em import run_em
from hub.identity.model import MatchModel
from hub.identity.training import train
from tests.unit.identity import synthetic


def test_em_recovers_known_m_from_unlabelled_vectors() -> None:
    rng = random.Random(1)
    m_true = [[0.9, 0.1], [0.8, 0.2], [0.95, 0.05]]
    u = [[0.05, 0.95], [0.1, 0.9], [0.02, 0.98]]
    vectors: dict[tuple[int, ...], float] = {}
    for _ in range(20_000):
        probs = m_true if rng.random() < 0.3 else u
        vec = tuple(0 if rng.random() < p[0] else 1 for p in probs)
        vectors[vec] = vectors.get(vec, 0.0) + 1
    result = run_em(vectors, u, fixed=set())
    assert result.match_share == pytest.approx(0.3, abs=0.02)
    for got, want in zip(result.m, m_true, strict=True):
        assert got is not None
        assert got[0] == pytest.approx(want[0], abs=0.03)


def test_em_leaves_blocked_comparisons_alone() -> None:
    u = [[0.1, 0.9], [0.1, 0.9]]
    result = run_em({(0, 0): 10.0, (0, 1): 5.0}, u, fixed={0})
    assert result.m[0] is None and result.m[1] is not None


@pytest.fixture(scope="module")
def trained() -> MatchModel:
    rng = random.Random(5)
    kids = synthetic.make_children(4000, rng, date(2026, 6, 1))
    records = [r for _, _, r in synthetic.make_records(kids, rng)]
    return train(records, version="test", seed=1, u_pairs=50_000)


def _levels(model: MatchModel, name: str) -> dict:
    comparison = next(c for c in model.comparisons if c.name == name)
    return {lv.label: lv for lv in comparison.levels}


def test_training_gives_sensible_probabilities(trained: MatchModel) -> None:
    dob = _levels(trained, "date_of_birth")
    assert dob["exact"].m > 0.85 and dob["exact"].u < 0.002
    assert dob["exact"].weight > 8 and dob["day_month_swapped"].weight > 0
    for name in ("given_name", "family_name", "date_of_birth", "postcode"):
        levels = _levels(trained, name)
        assert levels["exact"].weight > 5, name
        assert levels["different"].weight < -1, name
    given = _levels(trained, "given_name")
    assert given["nickname"].weight > 2 and given["nickname"].m > 0.02


def test_training_records_provenance_and_frequencies(trained: MatchModel) -> None:
    assert trained.version == "test"
    assert trained.training is not None and trained.training.records > 8000
    assert 1e-7 < trained.prior < 1e-2
    tables = {t.comparison: t for t in trained.term_frequencies}
    assert set(tables) == {"given_name", "family_name"}
    assert max(tables["family_name"].frequencies.values()) < 0.1


def test_fixed_m_is_kept_from_the_base_model(trained: MatchModel, model: MatchModel) -> None:
    assert _levels(trained, "nhs_number")["exact"].m == _levels(model, "nhs_number")["exact"].m
