"""send-hub domain core: models, identity, consent, timeline and clocks (pure, no I/O)."""

__all__: list[str] = []
