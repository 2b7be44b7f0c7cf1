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
    for name in ("given_name", "family_name", "date_of_birth"):
        levels = _levels(trained, name)
        assert levels["exact"].weight > 5, name
        assert levels["different"].weight < -1, name
    home = _levels(trained, "home")
    assert home["same_home"].weight > 5 and home["different"].weight < 0
    given = _levels(trained, "given_name")
    assert given["nickname"].weight > 2 and given["nickname"].m > 0.02


def test_training_records_provenance_and_frequencies(trained: MatchModel) -> None:
    assert trained.version == "test"
    assert trained.training is not None and trained.training.records > 8000
    assert 1e-7 < trained.prior < 1e-2
    tables = {t.comparison: t for t in trained.term_frequencies}
    assert set(tables) == {"given_name", "family_name", "home"}
    assert max(tables["family_name"].frequencies.values()) < 0.1


def test_fixed_m_is_kept_from_the_base_model(trained: MatchModel, model: MatchModel) -> None:
    assert _levels(trained, "nhs_number")["exact"].m == _levels(model, "nhs_number")["exact"].m


def test_em_recovers_known_m_of_several_levels() -> None:
    # Three comparisons of three levels; 20 % matches; EM sees only the level vectors.
    rng = random.Random(2)
    m_true = [[0.8, 0.15, 0.05], [0.7, 0.2, 0.1], [0.9, 0.06, 0.04]]
    u = [[0.02, 0.08, 0.9], [0.05, 0.15, 0.8], [0.01, 0.04, 0.95]]
    vectors: dict[tuple[int, ...], float] = {}
    for _ in range(30_000):
        probs = m_true if rng.random() < 0.2 else u
        vec = tuple(rng.choices(range(3), weights=row)[0] for row in probs)
        vectors[vec] = vectors.get(vec, 0.0) + 1
    result = run_em(vectors, u, fixed=set(), max_iterations=200, tolerance=1e-7)
    assert result.iterations < 200  # converged
    assert result.match_share == pytest.approx(0.2, abs=0.015)
    for got, want in zip(result.m, m_true, strict=True):
        assert got is not None
        assert got == pytest.approx(want, abs=0.03)


def test_thresholds_come_from_the_trained_distribution(trained: MatchModel) -> None:
    from hub.identity.normalise import prepare
    from hub.identity.training_fit import fit_thresholds

    t = trained.thresholds
    assert t.review <= t.link - 4
    assert "thresholds from the trained score distribution" in trained.training.notes  # type: ignore[union-attr]
    rng = random.Random(8)
    kids = synthetic.make_children(800, rng, date(2026, 6, 1))
    preps = [prepare(r) for _, _, r in synthetic.make_records(kids, rng)]
    households = fit_thresholds(trained, preps)
    other = fit_thresholds(trained, preps, households=False)
    assert other.link <= min(0.0, households.link)  # no households: more likely than not


def test_children_keep_their_household_guards(trained: MatchModel) -> None:
    # Synthetic children (twins, siblings): guards hold back few matches, so they stay.
    given = _levels(trained, "given_name")
    assert given["different"].review_cap
    assert "guards kept" in trained.training.notes  # type: ignore[union-attr]


def test_guards_are_lifted_where_they_would_hold_back_many_matches(model: MatchModel) -> None:
    from hub.identity.normalise import prepare
    from hub.identity.training_fit import relax_guards
    from tests.unit.identity.conftest import person

    noisy = []
    for c in model.comparisons:
        if c.field != "given_name":
            noisy.append(c)
            continue
        levels = [lv.model_copy(update={"m": 0.4 if lv.label == "different" else lv.m / 2})
                  for lv in c.levels]  # fmt: skip
        noisy.append(c.model_copy(update={"levels": levels}))
    preps = [prepare(person(f"r{i}")) for i in range(10)]
    relaxed, note, kept = relax_guards(noisy, preps)
    assert not kept
    given = next(c for c in relaxed if c.field == "given_name")
    assert not any(lv.review_cap for lv in given.levels)
    nhs = next(c for c in relaxed if c.field == "nhs_number")
    assert nhs.levels[-1].review_cap  # two different NHS numbers: never lifted
    assert "lifted" in note and "given_name/different" in note


def test_random_pair_matches_are_taken_out_of_u() -> None:
    from hub.identity.training import _unmixed_u

    # Half the agreement random pairs show comes from true matches (λ m = 0.001).
    u = _unmixed_u([0.002, 0.998], [0.5, 0.5], 0.002)
    assert u[0] == pytest.approx(0.001, rel=0.01)
    assert sum(u) == pytest.approx(1.0)


def test_report_explains_every_level(trained: MatchModel) -> None:
    from hub.identity.report import model_report

    text = model_report(trained)
    for comparison in trained.comparisons:
        for lv in comparison.levels:
            assert lv.description in text
    assert "household" in text and "bits" in text
