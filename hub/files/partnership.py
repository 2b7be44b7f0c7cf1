"""Reads the partnership membership file (YAML) that says which organisations share casework.

Format (version 1)::

    version: 1
    groups:
      - name: Lancashire SEND partnership
        organisations: ["888", "RW5", "RXL", "100001"]
"""

from pathlib import Path

import yaml
from pydantic import ValidationError

from hub.errors import ConfigError
from hub.identity.involvement import Partnership

__all__ = ["load_partnership"]


def load_partnership(path: Path | None) -> Partnership | None:
    """The membership in ``path``; None without a file (only direct involvement counts)."""
    if path is None:
        return None
    try:
        return Partnership.model_validate(yaml.safe_load(path.read_text()) or {})
    except OSError as exc:
        raise ConfigError(f"cannot read the partnership file {path}: {exc.strerror}") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"the partnership file {path} is not valid: {exc}") from exc
