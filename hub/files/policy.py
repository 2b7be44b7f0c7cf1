"""Reading a sharing policy file from disk: the shipped one, or one a partnership names.

The file is YAML (JSON is YAML too); `hub.consent.parse_policy` checks it. The shipped policy
is package data, ``hub/consent/policies/v<N>.yaml``; ``SEND_HUB_CONSENT_POLICY`` may name
another file.
"""

from importlib import resources
from pathlib import Path

import yaml

from hub.consent.policy import PolicyError, SharingPolicy, parse_policy

__all__ = ["DEFAULT_POLICY", "load_policy", "read_policy_text"]

DEFAULT_POLICY = "v1.yaml"
"""The shipped policy version the hub uses unless configured otherwise."""


def read_policy_text(path: Path | None = None) -> str:
    """The text of the policy at ``path``, or of the shipped default."""
    if path is None:
        packaged = resources.files("hub.consent").joinpath("policies", DEFAULT_POLICY)
        return packaged.read_text("utf-8")
    try:
        return path.read_text("utf-8")
    except OSError as exc:
        raise PolicyError(f"cannot read sharing policy {path}: {exc.strerror}") from exc


def load_policy(path: Path | None = None) -> SharingPolicy:
    """The validated sharing policy at ``path`` (default: the shipped one)."""
    text = read_policy_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"sharing policy {path or DEFAULT_POLICY} is not valid YAML") from exc
    return parse_policy(data)
