"""The identity crosswalk: link keys to child ids, with merges, order-independent.

Keys are source person keys (``src:...``), validated NHS numbers (``nhs:...``) and permanent
UPNs (``upn:...``). Children that turn out to be one child are merged union-find style: the
survivor is always the lexicographically smallest child id of the group, so applying the same
links in any order (two workers, a replay) ends in the same grouping and the same survivors.

The crosswalk is fed by every `IdentityLink` on ``send.identity.links`` — the worker's own and
other workers'. When a link read back disagrees with what is known (two workers created two
children for one person), `Crosswalk.apply` unions them and returns the MERGE link to publish,
so the reconciliation is itself on the topic and a restart from the compacted topic rebuilds
the same groups. A child never holds two different NHS numbers: such a union is refused.

An unmerge (`Crosswalk.split`, or an UNMERGE link read back) re-ties keys to a new child;
the old children stay merged, only the moved keys leave the group.
"""

import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime

from hub.models import IdentityLink, MatchInfo

__all__ = ["CHILD_NAMESPACE", "MERGE_MATCH", "Crosswalk", "child_id_for", "merge_link"]

CHILD_NAMESPACE = uuid.UUID("2b7c4d0e-8f7a-5a53-b1c2-6f0e9d3a4c55")
"""Fixed uuid5 namespace of child ids; never change (replay must recreate the same ids)."""

MERGE_MATCH = MatchInfo(outcome="LINK_IDENTIFIER", rule="reconcile")


def child_id_for(first_key: str) -> str:
    """Deterministic child id for the key that created the child: ``C`` + 12 hex digits."""
    return "C" + uuid.uuid5(CHILD_NAMESPACE, first_key).hex[:12]


def merge_link(
    loser: str, survivor: str, at: datetime, match: MatchInfo = MERGE_MATCH
) -> IdentityLink:
    """The MERGE record that redirects ``loser`` to ``survivor``."""
    return IdentityLink(
        key=f"child:{loser}", child_id=survivor, kind="MERGE", merged_into=survivor,
        match=match, at=at,
    )  # fmt: skip


class Crosswalk:
    """Key -> child, and merged child -> survivor (path-compressed union-find)."""

    def __init__(self) -> None:
        self._child: dict[str, str] = {}
        self._parent: dict[str, str] = {}
        self._nhs: dict[str, str] = {}  # root child -> its NHS number

    def root(self, child_id: str) -> str:
        """The surviving child id of ``child_id`` (itself unless merged)."""
        parent = self._parent
        path = []
        while child_id in parent:
            path.append(child_id)
            child_id = parent[child_id]
        for node in path[:-1]:  # compress so later look-ups are O(1)
            parent[node] = child_id
        return child_id

    def lookup(self, key: str) -> str | None:
        """The surviving child of ``key``, if the key is linked."""
        child = self._child.get(key)
        return None if child is None else self.root(child)

    def nhs_of(self, child_id: str) -> str | None:
        return self._nhs.get(self.root(child_id))

    def can_hold_nhs(self, child_id: str, nhs: str) -> bool:
        held = self.nhs_of(child_id)
        return held is None or held == nhs

    def link(self, key: str, child_id: str) -> None:
        """Tie ``key`` to ``child_id`` locally (the caller publishes the LINK)."""
        self._child[key] = child_id
        if key.startswith("nhs:"):
            self._nhs.setdefault(self.root(child_id), key[4:])

    def union(self, a: str, b: str) -> tuple[str, str] | None:
        """Merge the groups of ``a`` and ``b``; ``(loser, survivor)`` or None if no change.

        Refused (None) when the two groups hold different NHS numbers.
        """
        ra, rb = self.root(a), self.root(b)
        if ra == rb:
            return None
        na, nb = self._nhs.get(ra), self._nhs.get(rb)
        if na is not None and nb is not None and na != nb:
            return None
        survivor, loser = min(ra, rb), max(ra, rb)
        self._parent[loser] = survivor
        nhs = self._nhs.pop(loser, None)
        if nhs is not None:
            self._nhs.setdefault(survivor, nhs)
        return loser, survivor

    def apply(self, link: IdentityLink) -> list[IdentityLink]:
        """Apply a link read from the topic; returns reconciliation MERGEs to publish."""
        if link.kind == "MERGE" and link.merged_into is not None:
            loser = link.key.removeprefix("child:")
            done = self.union(loser, link.merged_into)
            if done is None or done == (loser, link.merged_into):
                return []
            return [merge_link(*done, at=link.at)]
        known = self._child.get(link.key)
        if known is None:
            self.link(link.key, link.child_id)
            return []
        if link.kind == "UNMERGE":
            self.split([link.key], link.child_id)
            return []
        done = self.union(known, link.child_id)
        return [] if done is None else [merge_link(*done, at=link.at)]

    def split(self, keys: Iterable[str], new_child: str) -> list[str]:
        """Re-tie ``keys`` to ``new_child`` (an unmerge); returns the keys that moved."""
        moved = []
        target = self.root(new_child)
        for key in keys:
            old = self.lookup(key)
            if old == target:
                continue
            self._child[key] = new_child
            if key.startswith("nhs:"):
                if old is not None and self._nhs.get(old) == key[4:]:
                    del self._nhs[old]
                self._nhs[target] = key[4:]
            moved.append(key)
        return moved

    def members(self, child_id: str) -> set[str]:
        """Every child id whose survivor is ``child_id``'s survivor (itself included)."""
        root = self.root(child_id)
        return {root} | {c for c in list(self._parent) if self.root(c) == root}

    def groups(self) -> dict[str, set[str]]:
        """Surviving child -> every key linked to it (for tests and audits)."""
        out: dict[str, set[str]] = {}
        for key, child in self._child.items():
            out.setdefault(self.root(child), set()).add(key)
        return out

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return ((key, self.root(child)) for key, child in self._child.items())

    def __len__(self) -> int:
        return len(self._child)
