"""Timeline entries written straight to bytes: the worker's most frequent encode, without dicts.

Every accepted event becomes one ``send.timeline`` entry. Building its Avro dict (two pydantic
models built and dumped) and handing it to the generic writer cost more than the rest of the
pipeline's work on the event together. `TimelineWriter` writes the same bytes from the values
directly: the entry schema is strings, longs, one enum and a few unions, and the parts that
repeat (the topic, the rule-based match infos, the flags, the summary, ``published_at`` within
a batch) are encoded once and reused.

It writes one schema version, pinned by fingerprint (``timeline_entry`` v2). When the current
version is another, or a value is outside what it handles (a naive ``published_at``), it
builds the dict and calls ``Serde.encode``: a schema change can make it slower, never wrong.
``tests/unit/schemas/test_entries.py`` checks its bytes against the generic writer.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from hub.models import MatchInfo
from schemas.catalogue import TIMELINE_ENTRY
from schemas.codec import Serde
from schemas.plans import varint

__all__ = ["TimelineWriter"]

PINNED = bytes.fromhex("bea3f3af8641ca99")  # timeline_entry v2, the layout written below
_OUTCOMES = {  # the MatchOutcome enum: symbol -> its index, zig-zag encoded
    "LINK_IDENTIFIER": b"\x00", "LINK_SCORE": b"\x02", "REVIEW": b"\x04", "NEW_CHILD": b"\x06",
}  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NULL, _SOME = b"\x00", b"\x02"  # union branch 0 (null) and 1, zig-zag encoded
_double = struct.Struct("<d").pack
_CACHE_LIMIT = 4096  # distinct summaries/topics/flag sets kept encoded (bounded memory)


_ONE_BYTE = tuple(bytes([2 * n]) for n in range(64))  # 0..63: most lengths and partitions


def _long(n: int) -> bytes:
    """Avro long: zig-zag, then a little-endian base-128 varint."""
    if 0 <= n < 64:
        return _ONE_BYTE[n]
    n = (n << 1) ^ (n >> 63)
    if n < 0x80:
        return bytes((n,))
    if n < 0x4000:  # two bytes: event lengths, most offsets in a partition's first 8,192
        return bytes(((n & 0x7F) | 0x80, n >> 7))
    return varint(n)


def _str(value: str) -> bytes:
    data = value.encode()
    return _long(len(data)) + data


def _optional_str(value: str | None) -> bytes:
    return _NULL if value is None else _SOME + _str(value)


def _millis(at: datetime) -> int:
    """fastavro's timestamp-millis of an aware datetime (whole ms, truncated toward zero)."""
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + int(delta.microseconds / 1000)


def _explanation(match: MatchInfo) -> bytes:
    e = match.explanation
    if e is None:
        return _NULL
    parts = [_SOME, _double(e.prior)]
    if e.items:
        parts.append(_long(len(e.items)))
        for item in e.items:
            parts += (_str(item.comparison), _str(item.level), _double(item.weight))
            parts.append(_str(item.sentence))
    parts += (_NULL, _double(e.tf_adjustment), _double(e.total), _double(e.probability))
    parts.append(_str(e.model_version))
    return b"".join(parts)


def match_bytes(match: MatchInfo) -> bytes:
    """The ``MatchInfo`` record as the entry's ``provenance.match``."""
    score = _NULL if match.score is None else _SOME + _double(match.score)
    head = _OUTCOMES[match.outcome] + _str(match.rule) + score
    return head + _optional_str(match.model_version) + _explanation(match)


class TimelineWriter:
    """Writes ``timeline_entry`` records from their values (pinned layout, else generic)."""

    def __init__(self, serde: Serde) -> None:
        self.serde = serde
        current = serde.catalogue.get(TIMELINE_ENTRY)
        self.fast = current.fingerprint == PINNED
        self._header = b"\xc3\x01" + current.fingerprint
        self._strings: dict[str, bytes] = {}
        self._matches: dict[tuple[str, str, str | None], bytes] = {}
        self._flags: dict[tuple[str, ...], bytes] = {(): b"\x00"}
        self._at: tuple[datetime | None, bytes] = (None, b"")

    def encode(
        self,
        entry_id: str,
        child_id: str,
        event: bytes,
        summary: str,
        where: tuple[str, str, int, int],
        match: MatchInfo,
        flags: tuple[str, ...],
        published_at: datetime,
    ) -> bytes:
        """Single-object bytes of the entry; ``where`` = (event id, topic, partition, offset)."""
        if not self.fast or published_at.tzinfo is None:
            values = (entry_id, child_id, event, summary, where, match, flags, published_at)
            return self._generic(*values)
        event_id, topic, partition, offset = where
        entry = _str(entry_id)
        source = entry if event_id == entry_id else _str(event_id)  # the same id, as a rule
        return b"".join((
            self._header, entry, _str(child_id), _long(len(event)), event, self._cached(summary),
            source, self._cached(topic), _long(partition), _long(offset), self._match(match),
            self._flag_bytes(flags), self._published(published_at),
        ))  # fmt: skip

    def _cached(self, value: str) -> bytes:
        data = self._strings.get(value)
        if data is None:
            data = _str(value)
            if len(self._strings) < _CACHE_LIMIT:
                self._strings[value] = data
        return data

    def _match(self, match: MatchInfo) -> bytes:
        if match.score is not None or match.explanation is not None:
            return match_bytes(match)  # a scored match: its own numbers, rarely repeated
        key = (match.outcome, match.rule, match.model_version)
        data = self._matches.get(key)
        if data is None:
            data = self._matches[key] = match_bytes(match)  # a handful of rule-based ones
        return data

    def _flag_bytes(self, flags: tuple[str, ...]) -> bytes:
        data = self._flags.get(flags)
        if data is None:
            data = _long(len(flags)) + b"".join(_str(str(f)) for f in flags) + b"\x00"
            if len(self._flags) < _CACHE_LIMIT:
                self._flags[flags] = data
        return data

    def _published(self, at: datetime) -> bytes:
        held, data = self._at
        if held is not at:
            data = _long(_millis(at))
            self._at = (at, data)
        return data

    def _generic(
        self,
        entry_id: str,
        child_id: str,
        event: bytes,
        summary: str,
        where: tuple[str, str, int, int],
        match: MatchInfo,
        flags: Sequence[str],
        published_at: datetime,
    ) -> bytes:
        event_id, topic, partition, offset = where
        provenance = {
            "event_id": event_id, "topic": topic, "partition": partition, "offset": offset,
            "match": match.model_dump(),
        }  # fmt: skip
        record: dict[str, Any] = {
            "entry_id": entry_id, "child_id": child_id, "event": event, "summary": summary,
            "provenance": provenance, "flags": list(flags), "published_at": published_at,
        }  # fmt: skip
        return self.serde.encode(TIMELINE_ENTRY, record)
