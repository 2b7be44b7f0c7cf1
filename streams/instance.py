"""Which worker instance this process is on its machine: a stable, exclusive slot number.

A transactional producer's id must be stable across restarts of one worker, so that the
restarted worker's ``init_transactions`` aborts a transaction its killed predecessor left
open (readers would otherwise wait for the broker's transaction timeout), and unique among
running workers, who would otherwise fence each other. The worker's id is its host name and
its slot on that host (`streams.app`). A slot is an exclusive ``flock`` on
``<slots dir>/slot-<n>.lock``, where the slots dir is per user, host and app id (in the
temporary directory, not the data dir: two workers of one host with different data dirs must
still get different slots). The lowest free n is taken and held for the process's life; the
kernel releases it when the process dies, however it dies, so the next worker started on
this host gets the same n. The slot also names the worker's local state folder.
"""

import fcntl
import os
import tempfile
from pathlib import Path
from typing import IO

from hub.errors import ConfigError

__all__ = ["InstanceSlot", "claim_slot", "slots_dir"]

_MAX_SLOTS = 64


class InstanceSlot:
    """A held slot: its number, and the open lock file that holds it."""

    def __init__(self, number: int, handle: IO[bytes]) -> None:
        self.number, self._handle = number, handle

    def release(self) -> None:
        self._handle.close()


def slots_dir(app_id: str) -> Path:
    """Where the slots of ``app_id``'s workers on this host are held."""
    return Path(tempfile.gettempdir()) / f"send-hub-{os.getuid()}" / "worker-slots" / app_id


def claim_slot(folder: Path) -> InstanceSlot:
    """The lowest free slot under ``folder`` (created if missing), held until released."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(_MAX_SLOTS):
        handle = open(folder / f"slot-{number}.lock", "ab")  # noqa: SIM115 - held on purpose
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        handle.truncate(0)
        handle.write(f"{os.getpid()}\n".encode())
        handle.flush()
        return InstanceSlot(number, handle)
    raise ConfigError(f"more than {_MAX_SLOTS} workers share {folder}")
