"""Publishing SDK, agency source adapters and the synthetic-agency simulator."""

__all__: list[str] = []
