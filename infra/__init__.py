"""Running real infrastructure locally: Apache Kafka 4 (KRaft), Prometheus, compose.

- ``kafka_runtime``: ``install`` / ``start`` / ``stop`` / ``status`` of a single-node
  broker on loopback (what ``send-hub kafka ...`` and the test fixture call).
- ``jars``: resolving the broker jars with Maven into a shared cache, once.
- ``java``: finding Java 17+ and Maven, with actionable errors.
- ``kraft``: data-dir layout, ``server.properties``/log4j2 config, storage format.
- ``kraft_cluster`` / ``cluster_runtime``: a local multi-broker KRaft cluster
  (``send-hub kafka start --brokers 3``): its nodes' layout and config; start, stop, status.
- ``process``: ports, detached launch, pid file, graceful stop.
- ``probe``: kafka-python admin client and "does a broker answer" probe.
- ``topics``: the hub's topics - create idempotently, describe, delete.
- ``credentials``: the local broker's principals (one per service) and their generated
  passwords (a 0600 file per data dir).
- ``security``: every Kafka client's connection (address, SASL identity, TLS) from config.
- ``acls``: which principal may read or write which topic and group, and applying that.
- ``compose.yaml``, ``prometheus.yml``, ``Dockerfile``: the containerised alternative.
"""

__all__: list[str] = []
