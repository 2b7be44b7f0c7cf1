"""`CandidateIndex`: the in-memory child index that streaming and bulk matching query.

Records are blocked by the model's blocking rules: a record is filed under one key
per rule (a hash of the rule number and its key values; a rule is skipped when a
value is missing). A query's candidates are the union of its blocks, so each query
scores a handful of records instead of the whole index. A child can hold several
source records; ``add``, ``remove`` and ``reassign`` keep the blocks in step, which
is what merge and unmerge need.
"""

from hub.identity.blocking import Blocker
from hub.identity.match_decision import Candidate, MatchDecision, decide
from hub.identity.model import MatchModel, default_model
from hub.identity.normalise import Prepared, prepare
from hub.identity.records import PersonRecord
from hub.identity.scoring import CompiledModel, compile_model

__all__ = ["CandidateIndex", "match"]


def _put(table: dict, key: object, slot: int) -> None:
    # Most keys (blocks, children) hold one record: store the int, a list only when needed.
    held = table.get(key)
    if held is None:
        table[key] = slot
    elif isinstance(held, int):
        table[key] = [held, slot]
    else:
        held.append(slot)


def _drop(table: dict, key: object, slot: int) -> None:
    held = table.get(key)
    if isinstance(held, int):
        if held == slot:
            del table[key]
    elif held is not None:
        held.remove(slot)
        if len(held) == 1:
            table[key] = held[0]


def _slots(held: int | list[int] | None) -> list[int]:
    if held is None:
        return []
    return [held] if isinstance(held, int) else list(held)


class CandidateIndex:
    """Children's prepared records filed by blocking key; add/remove/reassign/match."""

    def __init__(self, model: MatchModel | None = None) -> None:
        self.model = model or default_model()
        self.compiled: CompiledModel = compile_model(self.model)
        self._blocker = Blocker(self.model)
        self._blocks: dict[int, int | list[int]] = {}
        self._records: list[Prepared | None] = []
        self._child: list[str | None] = []
        self._free: list[int] = []
        self._slot: dict[str, int] = {}
        self._children: dict[str, int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._slot)

    @property
    def child_count(self) -> int:
        return len(self._children)

    def block_keys(self, prep: Prepared) -> list[int]:
        """The record's block keys (pass them to ``add``/``candidates`` to compute once)."""
        return self._blocker.keys(prep)

    def add(
        self, child_id: str, record: PersonRecord | Prepared, keys: list[int] | None = None
    ) -> None:
        """File a record under a child (replacing any earlier version of that record)."""
        prep = record if isinstance(record, Prepared) else prepare(record)
        self.remove(prep.record_id)
        slot = self._free.pop() if self._free else len(self._records)
        if slot == len(self._records):
            self._records.append(prep)
            self._child.append(child_id)
        else:
            self._records[slot] = prep
            self._child[slot] = child_id
        self._slot[prep.record_id] = slot
        _put(self._children, child_id, slot)
        for key in self._blocker.keys(prep) if keys is None else keys:
            _put(self._blocks, key, slot)

    def remove(self, record_id: str) -> bool:
        """Take a record out of the index; False when it was not there."""
        slot = self._slot.pop(record_id, None)
        if slot is None:
            return False
        prep, child = self._records[slot], self._child[slot]
        assert prep is not None and child is not None
        for key in self._blocker.keys(prep):
            _drop(self._blocks, key, slot)
        _drop(self._children, child, slot)
        self._records[slot] = None
        self._child[slot] = None
        self._free.append(slot)
        return True

    def reassign(self, record_id: str, child_id: str) -> None:
        """Move a record to another child (merge, unmerge); blocks are unchanged."""
        slot = self._slot[record_id]
        old = self._child[slot]
        assert old is not None
        _drop(self._children, old, slot)
        self._child[slot] = child_id
        _put(self._children, child_id, slot)

    def child_of(self, record_id: str) -> str | None:
        slot = self._slot.get(record_id)
        return None if slot is None else self._child[slot]

    def records_of(self, child_id: str) -> list[str]:
        slots = _slots(self._children.get(child_id))
        return sorted(p.record_id for s in slots if (p := self._records[s]) is not None)

    def candidates(self, query: Prepared, keys: list[int] | None = None) -> list[Candidate]:
        """Every indexed record sharing at least one block with the query."""
        seen: set[int] = set()
        blocks = self._blocks
        keyed = self._blocker.keyed(query)
        if keys is not None:  # keys given: same rules, so the caps line up
            keyed = list(zip(keys, (cap for _key, cap in keyed), strict=True))
        for key, cap in keyed:
            held = blocks.get(key)
            if held is None:
                continue
            if isinstance(held, int):
                seen.add(held)
            elif len(held) <= cap:  # an oversized block: the other rules still apply
                seen.update(held)
        records, child = self._records, self._child
        return [(child[s], records[s]) for s in seen]  # type: ignore[misc]

    def match(self, record: PersonRecord | Prepared, *, explain: bool = True) -> MatchDecision:
        """The decision for a record against the children in this index."""
        prep = record if isinstance(record, Prepared) else prepare(record)
        return decide(self.compiled, prep, self.candidates(prep), explain=explain)


def match(
    index: CandidateIndex, record: PersonRecord | Prepared, *, explain: bool = True
) -> MatchDecision:
    """The best child for ``record`` in ``index``: link, review or no match (explained)."""
    return index.match(record, explain=explain)
