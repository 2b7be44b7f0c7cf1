"""One publishing run: files through an adapter into a sink, rejects to a file, counts kept.

Used by ``send-hub publish``, the simulator and the benchmark alike, so all of them
exercise the same path. The sink is the SDK's `Publisher.publish` (or a dry-run sink
that only encodes); every record read ends up counted as published, rejected or
skipped, and every reject is written with its file, row, field and reason. A file
that cannot be read at all is recorded as one reject (row 0) and the run goes on.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from connectors.base import Adapter, ReadItem
from connectors.records import FileRejected, RecordError, RejectsWriter, Skipped
from connectors.sdk import Publisher, ingest_topics
from hub.errors import InputError
from hub.models import Event
from schemas.serde import encode_model

__all__ = [
    "FileResult",
    "Progress",
    "PublisherSink",
    "RecordsRejected",
    "RunResult",
    "Sink",
    "Throttle",
    "default_rejects_path",
    "dry_run_sink",
    "peak_rss_mb",
    "publish_file",
    "publish_files",
]

Sink = Callable[[Event], None]
Progress = Callable[[int], None]


@dataclass
class FileResult:
    path: Path
    published: int = 0
    rejected: int = 0
    skipped: int = 0
    unreadable: str | None = None  # why the whole file was rejected
    rejects_path: Path | None = None


@dataclass
class RunResult:
    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def published(self) -> int:
        return sum(f.published for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def skipped(self) -> int:
        return sum(f.skipped for f in self.files)

    @property
    def unreadable(self) -> list[FileResult]:
        return [f for f in self.files if f.unreadable]


class RecordsRejected(InputError):
    """A run ended with rejected records or unreadable files (after publishing the rest)."""


class PublisherSink:
    """A sink that opens the SDK publisher on the first event (none for an all-bad run)."""

    def __init__(self, bootstrap: str | None = None, topic_prefix: str | None = None) -> None:
        self._bootstrap = bootstrap
        self._topics = ingest_topics(topic_prefix)
        self.publisher: Publisher | None = None

    def __call__(self, event: Event) -> None:
        if self.publisher is None:
            self.publisher = Publisher(self._bootstrap, topics=self._topics)
        self.publisher.publish(event)

    def close(self) -> None:
        """Flush and close; raises `PublishFailed` if any event was not delivered."""
        if self.publisher is not None:
            self.publisher.close()


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def default_rejects_path(path: Path) -> Path:
    return path.with_name(path.name + ".rejects.csv")


def dry_run_sink(event: Event) -> None:
    """Validate encodability without a broker: the bytes are built, then dropped."""
    encode_model(event)


class Throttle:
    """Wraps a sink to at most ``rate`` events per second (None: as fast as possible)."""

    def __init__(self, sink: Sink, rate: float | None) -> None:
        self._sink = sink
        self._interval = 1.0 / rate if rate else 0.0
        self._next = time.monotonic()

    def __call__(self, event: Event) -> None:
        if self._interval:
            now = time.monotonic()
            if now < self._next:
                time.sleep(self._next - now)
            self._next = max(now, self._next) + self._interval
        self._sink(event)


def publish_file(
    adapter: Adapter,
    path: Path,
    sink: Sink,
    rejects: RejectsWriter,
    progress: Progress | None = None,
) -> FileResult:
    """Read one file through ``adapter``; events go to ``sink``, errors to ``rejects``."""
    result = FileResult(path, rejects_path=rejects.path)
    adapter.bytes_read = 0
    last = 0
    try:
        for count, item in enumerate(adapter.read(path), start=1):
            _route(item, sink, rejects, result)
            if progress is not None and count % 512 == 0:
                progress(adapter.bytes_read - last)
                last = adapter.bytes_read
    except FileRejected as exc:
        rejects.write(exc.error)
        result.unreadable = exc.error.reason
        result.rejected += 1
    if progress is not None:
        progress(max(0, _size(path) - last))
    return result


def _route(item: ReadItem, sink: Sink, rejects: RejectsWriter, result: FileResult) -> None:
    """Send one read item where it belongs and count it."""
    if isinstance(item, RecordError):
        rejects.write(item)
        result.rejected += 1
    elif isinstance(item, Skipped):
        result.skipped += 1
    else:
        sink(item)
        result.published += 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def publish_files(
    adapter: Adapter,
    paths: Iterable[Path],
    sink: Sink,
    rejects_path: Path | None = None,
    progress: Progress | None = None,
) -> RunResult:
    """Publish several files; rejects go to ``rejects_path`` or ``<file>.rejects.csv`` each."""
    started = time.perf_counter()
    run = RunResult()
    shared = RejectsWriter(rejects_path) if rejects_path else None
    try:
        for path in paths:
            writer = shared or RejectsWriter(default_rejects_path(path))
            try:
                run.files.append(publish_file(adapter, path, sink, writer, progress))
            finally:
                if writer is not shared:
                    writer.close()
    finally:
        if shared is not None:
            shared.close()
    run.seconds = time.perf_counter() - started
    return run
