"""Per-child timeline: entry models (the pipeline/reader contract) and pure timeline state."""

__all__: list[str] = []
