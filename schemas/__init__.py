"""Avro event contract (.avsc files) and the one serde module."""

__all__: list[str] = []
