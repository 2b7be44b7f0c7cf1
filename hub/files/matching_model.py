"""Reading and writing matching-model files (``send-hub link train --out``, ``--model``)."""

from pathlib import Path

from hub.errors import InputError
from hub.identity.model import MatchModel, model_json, parse_model

__all__ = ["load_model", "save_model"]


def load_model(path: str | Path) -> MatchModel:
    """Read and validate a model file; any problem is one `InputError` line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read model file {path}: {exc}") from exc
    return parse_model(text, str(path))


def save_model(model: MatchModel, path: str | Path) -> None:
    """Write a model as indented JSON (stable key order, diff-friendly)."""
    Path(path).write_text(model_json(model), encoding="utf-8")
