"""Publishing SDK, agency source adapters and the synthetic-agency simulator.

`ADAPTERS` names every kind of source ``send-hub publish --source`` accepts; `make_adapter`
builds one. See `connectors.sdk` for the producer and `connectors.pipeline` for a run.
"""

from connectors.base import Adapter
from connectors.health import HealthAdapter
from connectors.jsonl import JsonLinesAdapter
from connectors.school import SchoolAdapter
from connectors.sen_case import SenCaseAdapter
from connectors.social_care import SocialCareAdapter
from hub.errors import InputError

__all__ = ["ADAPTERS", "make_adapter"]

ADAPTERS: dict[str, type[Adapter]] = {
    SchoolAdapter.name: SchoolAdapter,
    HealthAdapter.name: HealthAdapter,
    SocialCareAdapter.name: SocialCareAdapter,
    SenCaseAdapter.name: SenCaseAdapter,
    JsonLinesAdapter.name: JsonLinesAdapter,
}


def make_adapter(kind: str, system: str | None = None) -> Adapter:
    """The adapter for ``kind`` (``social_care`` and ``social-care`` both work)."""
    try:
        return ADAPTERS[kind.replace("_", "-").lower()](system)
    except KeyError:
        known = ", ".join(ADAPTERS)
        raise InputError(f"unknown source kind {kind!r} (one of: {known})") from None
