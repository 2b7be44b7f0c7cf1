"""Read the clock, signal and bank-holiday rule files shipped in ``hub/clocks/data``.

The shell side of ``hub.clocks``: the core parses text, this module reads it (package data, or
a file named by configuration so a partnership can correct a rule without a release).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from hub.clocks.calendar import BankHolidays, parse_bank_holidays
from hub.clocks.fold import Rulebook
from hub.clocks.rules import ClockRules, parse_clock_rules
from hub.clocks.signals import SignalRules, parse_signal_rules
from hub.errors import ConfigError

__all__ = [
    "DATA_DIR",
    "load_bank_holidays",
    "load_clock_rules",
    "load_rulebook",
    "load_signal_rules",
    "read_text",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "clocks" / "data"


def read_text(path: Path) -> str:
    """A rule file's text; a missing or unreadable file is one ConfigError naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read rule file {path}: {exc}") from exc


@lru_cache(maxsize=4)
def load_clock_rules(path: Path = DATA_DIR / "clocks.yaml") -> ClockRules:
    """The clock rules (validated)."""
    return parse_clock_rules(read_text(path))


@lru_cache(maxsize=4)
def load_bank_holidays(path: Path = DATA_DIR / "bank-holidays-england.yaml") -> BankHolidays:
    """England's bank holidays (validated)."""
    return parse_bank_holidays(read_text(path))


@lru_cache(maxsize=4)
def load_signal_rules(path: Path = DATA_DIR / "signals.yaml") -> SignalRules:
    """The early-identification signal rules (validated)."""
    return parse_signal_rules(read_text(path))


def load_rulebook(directory: Path | None = None, max_alert_age_days: int = 28) -> Rulebook:
    """Clocks, signals and bank holidays (from ``directory`` if given, else the shipped ones).

    A partnership corrects a rule by copying ``hub/clocks/data`` to a folder, editing it and
    pointing ``SEND_HUB_CLOCK_RULES_DIR`` at the folder; files it lacks come from the shipped set.
    """
    folder = directory or DATA_DIR

    def pick(name: str) -> Path:
        path = folder / name
        return path if path.exists() else DATA_DIR / name

    return Rulebook(
        load_clock_rules(pick("clocks.yaml")),
        load_signal_rules(pick("signals.yaml")),
        load_bank_holidays(pick("bank-holidays-england.yaml")),
        max_alert_age_days,
    )
