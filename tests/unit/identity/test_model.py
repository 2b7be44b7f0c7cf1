"""The matching model file: validation, load/save round trip, clear errors."""

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.errors import InputError
from hub.files.matching_model import load_model, save_model
from hub.identity.model import MatchModel, default_model


def _raw(model: MatchModel) -> dict:
    return json.loads(model.model_dump_json())


def test_default_model_is_valid_and_versioned(model: MatchModel) -> None:
    assert model.id and model.version
    assert model.label == f"{model.id}@{model.version}"
    assert model.thresholds.review <= model.thresholds.link
    assert all(c.levels[-1].kind == "else" for c in model.comparisons)


def test_save_and_load_round_trip(model: MatchModel, tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save_model(model, path)
    assert load_model(path) == model


def test_last_level_must_be_else(model: MatchModel) -> None:
    raw = _raw(model)
    raw["comparisons"][0]["levels"] = raw["comparisons"][0]["levels"][:-1]
    with pytest.raises(ValidationError, match="last level must be 'else'"):
        MatchModel.model_validate(raw)


def test_level_kind_must_suit_the_field(model: MatchModel) -> None:
    raw = _raw(model)
    dob = next(c for c in raw["comparisons"] if c["field"] == "date_of_birth")
    dob["levels"][0]["kind"] = "nickname"
    with pytest.raises(ValidationError, match="not allowed"):
        MatchModel.model_validate(raw)


def test_review_threshold_cannot_exceed_link(model: MatchModel) -> None:
    raw = _raw(model)
    raw["thresholds"] = {"link": 5.0, "review": 9.0, "margin": 1.0}
    with pytest.raises(ValidationError, match="must not exceed"):
        MatchModel.model_validate(raw)


def test_unknown_comparison_reference_is_rejected(model: MatchModel) -> None:
    raw = _raw(model)
    raw["identifier_rules"][0]["conflict_if_incompatible"] = ["shoe_size"]
    with pytest.raises(ValidationError, match="shoe_size"):
        MatchModel.model_validate(raw)


def test_garbage_model_file_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="bad JSON"):
        load_model(bad)
    bad.write_text('{"id": "x"}')
    with pytest.raises(InputError, match="not a valid matching model"):
        load_model(bad)
    with pytest.raises(InputError, match="cannot read"):
        load_model(tmp_path / "absent.json")


def test_weights_are_log2_m_over_u() -> None:
    level = default_model().comparisons[0].levels[0]
    import math

    assert level.weight == pytest.approx(math.log2(level.m / level.u))
