"""Typed access to the simulator's reference data (`reference.yaml`) and its draws.

The county's shape (postcode districts, authorities and their systems, name lists,
SEN prevalence, annual rates) is data; this module only loads it and offers the
weighted draws the generators share, all from one seeded `random.Random`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

__all__ = ["Authority", "District", "Reference", "load_reference", "weighted"]

T = TypeVar("T")
_PATH = Path(__file__).with_name("reference.yaml")


@dataclass(frozen=True, slots=True)
class District:
    code: str
    town: str
    la: str
    weight: float


@dataclass(frozen=True, slots=True)
class Authority:
    code: str
    name: str
    social_care: str
    sen_case: str
    health_org: str
    health_system: str


@dataclass(frozen=True)
class Reference:
    districts: tuple[District, ...]
    inward_letters: str
    authorities: dict[str, Authority]
    mis_vendors: tuple[tuple[str, float], ...]
    given_names: dict[str, tuple[str, ...]]
    nicknames: dict[str, tuple[str, ...]]
    sen_rates: dict[str, float]
    need_mix: dict[str, tuple[tuple[str, float], ...]]
    rates: dict[str, float]
    baseline: dict[str, float]


def _pairs(items: list[list[Any]]) -> tuple[tuple[str, float], ...]:
    return tuple((str(name), float(weight)) for name, weight in items)


@lru_cache(maxsize=1)
def load_reference(path: Path = _PATH) -> Reference:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Reference(
        districts=tuple(District(d, t, str(la), float(w)) for d, t, la, w in raw["districts"]),
        inward_letters=raw["inward_letters"],
        authorities={
            str(code): Authority(code=str(code), **values)
            for code, values in raw["authorities"].items()
        },
        mis_vendors=_pairs(raw["mis_vendors"]),
        given_names={sex: tuple(names) for sex, names in raw["given_names"].items()},
        nicknames={name: tuple(nicks) for name, nicks in raw["nicknames"].items()},
        sen_rates={k: float(v) for k, v in raw["sen_rates"].items()},
        need_mix={k: _pairs(v) for k, v in raw["need_mix"].items()},
        rates={k: float(v) for k, v in raw["rates"].items()},
        baseline={k: float(v) for k, v in raw["baseline"].items()},
    )


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    """One draw from ``(value, weight)`` pairs."""
    values = [value for value, _ in pairs]
    weights = [weight for _, weight in pairs]
    return rng.choices(values, weights=weights, k=1)[0]
