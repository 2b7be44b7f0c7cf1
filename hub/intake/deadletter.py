"""Dead-letter ids: deterministic per ingest message, so a reprocessed message keeps its id.

Operators list them (``send-hub dlq list``) and replay them (``send-hub dlq replay``) after
a fix. ``detail`` is written for an operator and never carries names or identifiers; the
original bytes are kept whole so a replay re-submits exactly what the agency sent.
"""

import uuid

__all__ = ["DEAD_LETTER_NAMESPACE", "dead_letter_id"]

DEAD_LETTER_NAMESPACE = uuid.UUID("5d1c0b7e-3f0e-5d55-9a53-0d6c8c1f2a01")
"""Fixed uuid5 namespace of dead-letter ids; never change (replays rely on stable ids)."""


def dead_letter_id(topic: str, partition: int, offset: int) -> str:
    """Deterministic id of a rejected message: a reprocessed message keeps its id."""
    return str(uuid.uuid5(DEAD_LETTER_NAMESPACE, f"{topic}\x1f{partition}\x1f{offset}"))
