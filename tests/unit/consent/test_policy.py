"""The sharing policy file: the shipped one loads, and broken or unlawful ones are refused."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from hub.consent import PolicyError, parse_policy
from hub.files.policy import load_policy, read_policy_text
from hub.models import DataCategory, Event, EventType
from tests.unit.consent.world import entry


def _shipped() -> dict[str, Any]:
    data = yaml.safe_load(read_policy_text())
    assert isinstance(data, dict)
    return data


def test_shipped_policy_loads_and_maps_every_event_type() -> None:
    policy = load_policy()
    assert policy.version == 1
    assert set(policy.event_categories) <= set(EventType)  # newer types: catalogue category
    assert {p.id for p in policy.permits} >= {"school-on-roll", "ehc-la", "safeguarding"}


def test_a_producer_may_raise_an_entry_to_sealed_but_never_lower_it() -> None:
    policy = load_policy()
    sealed: Event = entry(EventType.HealthReferralMade, category=DataCategory.SEALED)
    lowered: Event = entry(EventType.S47Started, category=DataCategory.EDU)
    assert policy.category_of(sealed) is DataCategory.SEALED
    assert policy.category_of(lowered) is DataCategory.SAFEGUARDING


def _permit(**changes: Any) -> dict[str, Any]:
    base = {
        "id": "x",
        "roles": ["SENCO"],
        "categories": ["EDU"],
        "purposes": ["DIRECT_CARE"],
        "basis": "DIRECT_CARE",
        "detail": "full",
        "why": "test",
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("permit", "message"),
    [
        (_permit(roles=["OPS"]), "see no child data"),
        (_permit(roles=["ADMIN"]), "see no child data"),
        (_permit(basis="ANONYMISED"), "anonymised"),
        (_permit(basis="STATUTORY", purposes=["STATUTORY_EHC"]), "must cite its duty"),
        (
            _permit(basis="SAFEGUARDING", purposes=["SAFEGUARDING"], citation="CA 1989 s.47"),
            "DSL and SW only",
        ),
        (_permit(purposes=["RESEARCH"]), "direct care only"),
        (_permit(detail="everything"), "detail"),
        (_permit(roles=["JANITOR"]), "roles"),
        (_permit(extra="field"), "extra"),
    ],
)
def test_a_policy_breaking_the_fixed_rules_is_refused(permit: dict[str, Any], message: str) -> None:
    data = _shipped()
    data["permits"] = [*data["permits"], permit]
    with pytest.raises(PolicyError, match=message):
        parse_policy(data)


def test_an_event_type_newer_than_the_policy_takes_the_catalogue_category() -> None:
    data = _shipped()
    del data["event_categories"]["S47Started"]
    policy = parse_policy(data)
    assert policy.category_of(entry(EventType.S47Started)) is DataCategory.SAFEGUARDING


def test_ops_may_not_read_access_logs_either() -> None:
    data = _shipped()
    data["access_log_roles"] = [*data["access_log_roles"], "OPS"]
    with pytest.raises(PolicyError, match="see no child data"):
        parse_policy(data)


def test_permit_ids_are_unique() -> None:
    data = _shipped()
    data["permits"] = [*data["permits"], data["permits"][0]]
    with pytest.raises(PolicyError, match="unique"):
        parse_policy(data)


def test_loader_reports_a_missing_or_malformed_file_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read sharing policy"):
        load_policy(tmp_path / "absent.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("permits: [unclosed", "utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        load_policy(bad)
    bad.write_text("- just a list", "utf-8")
    with pytest.raises(PolicyError, match="sharing policy"):
        load_policy(bad)


def test_a_partnership_policy_file_is_loaded_from_its_path(tmp_path: Path) -> None:
    data = _shipped()
    data["version"] = 2
    data["permits"] = [p for p in data["permits"] if p["basis"] != "CONSENT"]
    path = tmp_path / "v2.yaml"
    path.write_text(yaml.safe_dump(data), "utf-8")
    policy = load_policy(path)
    assert policy.version == 2
    assert all(p.basis != "CONSENT" for p in policy.permits)
