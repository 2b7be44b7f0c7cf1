"""Stream health for operations staff: the ``/ops`` page and the stream gauges on ``/metrics``.

`probe` asks the broker (ingest end offsets, the worker group's committed offsets and
members, the dead-letter topic); `feeds` asks the read model when each source system last
sent; `pages` puts both on one page. No personal data anywhere here.
"""
