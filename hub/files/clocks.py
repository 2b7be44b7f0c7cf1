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


def load_rulebook(max_alert_age_days: int = 28) -> Rulebook:
    """The shipped clocks, signals and bank holidays, ready for ``hub.clocks.fold``."""
    return Rulebook(
        load_clock_rules(), load_signal_rules(), load_bank_holidays(), max_alert_age_days
    )
