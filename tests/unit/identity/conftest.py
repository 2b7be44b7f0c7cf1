"""Shared helpers for identity tests: records, prepared records and a default index."""

from datetime import date

import pytest

from hub.identity.index import CandidateIndex
from hub.identity.model import MatchModel, default_model
from hub.identity.normalise import Prepared, prepare
from hub.identity.records import PersonRecord

# Valid test identifiers (docs/domain.md, identifiers worked examples and hub.identifiers.make_*).
NHS_A = "9434765919"
NHS_B = "9434765870"
UPN_A = "B801200005001"


def person(record_id: str = "r1", **fields: object) -> PersonRecord:
    """A typical complete record; keyword arguments override (None clears a field)."""
    base: dict[str, object] = {
        "given_name": "Oliver",
        "family_name": "Hartley",
        "date_of_birth": date(2015, 3, 7),
        "sex": "M",
        "postcode": "PR1 2AB",
        "address": "12 Station Road, Preston",
    }
    base.update(fields)
    return PersonRecord(record_id=record_id, **base)  # type: ignore[arg-type]


def prep(record_id: str = "r1", **fields: object) -> Prepared:
    return prepare(person(record_id, **fields))


@pytest.fixture(scope="session")
def model() -> MatchModel:
    return default_model()


@pytest.fixture
def index(model: MatchModel) -> CandidateIndex:
    return CandidateIndex(model)
