"""Faust stream processing app and its thin agents (decode, call hub, produce)."""

__all__: list[str] = []
