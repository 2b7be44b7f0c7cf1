"""Intake: validate decoded events and deduplicate them by event id (pure functions)."""

__all__: list[str] = []
