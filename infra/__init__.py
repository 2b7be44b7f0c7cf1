"""Running real infrastructure locally: Apache Kafka (KRaft), Prometheus, compose."""

__all__: list[str] = []
