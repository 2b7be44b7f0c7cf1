"""Synthetic-agency simulator: a population, its journeys and the agencies' native exports."""

__all__: list[str] = []
