"""The hub's topics are created with the cleanup and retention the contract gives them."""

from hub.config import Settings
from infra.topics import hub_topic_specs


def _configs() -> dict[str, dict[str, str]]:
    specs = hub_topic_specs(Settings(topic_prefix="t"))
    return {spec.name.removeprefix("t."): dict(spec.configs) for spec in specs}


def test_records_the_partnership_must_keep_are_never_deleted_by_age() -> None:
    configs = _configs()
    for short in ("timeline", "audit", "consent", "identity.decisions", "alerts"):
        assert configs[short] == {"retention.ms": "-1"}, short


def test_compacted_state_topics_and_bounded_dead_letters() -> None:
    configs = _configs()
    assert configs["identity.links"]["cleanup.policy"] == "compact"
    assert configs["identity.review"]["cleanup.policy"] == "compact"
    assert configs["deadletter"] == {"retention.ms": str(30 * 86_400_000)}
    assert all(configs[k] == {} for k in configs if k.startswith("ingest."))
