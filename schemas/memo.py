"""Decoded parts of recent events, kept by their bytes, so repeated parts are read once.

An event stream repeats itself: one person's events carry the same ``subject`` bytes, and
many events end in the same bytes (a school's attendance week for every pupil with full
attendance: the same classification fields and payload). Avro decoding is a function of the
bytes read, so bytes already decoded once decode to the same values again:

- ``subject``: kept under the first bytes of its encoding. A hit is only taken when the
  message continues with the *whole* kept encoding (``startswith``), so a different person
  under the same first bytes is merely a miss;
- timestamps before the subject: read as longs and turned into datetimes here, as fastavro
  does (``epoch + timedelta``), from a table by value (events share their times);
- the tail (every field after the subject, the payload last): kept under all its bytes, to
  the end of the message, with the ``event_type`` it was read under (a payload branch must
  match its event's type).

Only whole, successful reads are kept, and only for the writer version read as itself
(``ReadPlan.parts``); ``Serde.decode`` falls back to the ordinary read on anything else.
Records read this way share nested values (the subject's ``other_names``, a payload's lists)
with other records: callers must treat them as read-only, as the pipeline does. The top-level
``subject`` and ``payload`` dicts are fresh copies. Memory is bounded: a full table is cleared.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["DecodeMemo"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_KEY = 32  # bytes of a subject's encoding that key it: its person id and what follows


class DecodeMemo:
    """Subjects and tails of the events decoded lately (per reader: a pipeline holds one)."""

    def __init__(self, limit: int = 16_384) -> None:
        self.limit = limit
        self._subjects: dict[bytes, tuple[bytes, dict[str, Any]]] = {}
        self._tails: dict[bytes, tuple[str, dict[str, Any], dict[str, Any]]] = {}
        self._stamps: dict[int, datetime] = {}

    def stamp(self, millis: int) -> datetime:
        """The datetime of a timestamp-millis value, exactly as fastavro reads it."""
        at = self._stamps.get(millis)
        if at is None:
            if len(self._stamps) >= self.limit:
                self._stamps.clear()
            at = self._stamps[millis] = _EPOCH + timedelta(microseconds=millis * 1000)
        return at

    def subject(self, data: bytes, start: int, record: dict[str, Any]) -> int | None:
        """Set ``record["subject"]`` if the bytes at ``start`` are a kept one; its end, or None."""
        kept = self._subjects.get(data[start : start + _KEY])
        if kept is None or not data.startswith(kept[0], start):
            return None
        record["subject"] = kept[1].copy()
        return start + len(kept[0])

    def keep_subject(self, data: bytes, start: int, end: int, subject: dict[str, Any]) -> None:
        if len(self._subjects) >= self.limit:
            self._subjects.clear()
        self._subjects[data[start : start + _KEY]] = (data[start:end], subject.copy())

    def tail(self, data: bytes, start: int, record: dict[str, Any], payload: str) -> bool:
        """Fill ``record`` from a kept tail equal to ``data[start:]``; False when none is."""
        kept = self._tails.get(data[start:])
        if kept is None or kept[0] != record["event_type"]:
            return False
        record.update(kept[1])
        record[payload] = kept[2].copy()
        return True

    def keep_tail(
        self, data: bytes, start: int, event_type: str, fields: dict[str, Any], payload: Any
    ) -> None:
        if not isinstance(payload, dict):
            return  # a payload that is not a record is not kept (none is today)
        if len(self._tails) >= self.limit:
            self._tails.clear()
        self._tails[data[start:]] = (event_type, fields, payload.copy())
