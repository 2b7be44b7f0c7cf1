"""Worker instance slots: stable across a restart, unique among running workers."""

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.errors import ConfigError
from streams import instance
from streams.config import WorkerSettings
from streams.instance import claim_slot, slots_dir


def test_running_workers_get_different_slots_and_a_freed_slot_is_reused(tmp_path: Path) -> None:
    first, second = claim_slot(tmp_path), claim_slot(tmp_path)
    assert (first.number, second.number) == (0, 1)
    first.release()
    again = claim_slot(tmp_path)
    assert again.number == 0  # the restarted worker takes its predecessor's id
    again.release()
    second.release()


def test_a_killed_process_frees_its_slot(tmp_path: Path) -> None:
    code = (
        "import sys, time; from pathlib import Path; from streams.instance import claim_slot; "
        "s = claim_slot(Path(sys.argv[1])); print(s.number, flush=True); time.sleep(60)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "0"
        assert claim_slot(tmp_path).number == 1  # held by the running process
        proc.kill()
        proc.wait(10)
        assert claim_slot(tmp_path).number == 0  # released by the kernel on SIGKILL
    finally:
        proc.kill()


def test_slots_are_per_app_and_outside_the_data_dir() -> None:
    assert slots_dir("a-hub") != slots_dir("b-hub")
    assert slots_dir("a-hub").name == "a-hub"


def test_too_many_workers_on_one_host_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(instance, "_MAX_SLOTS", 1)
    held = claim_slot(tmp_path)
    with pytest.raises(ConfigError, match="workers share"):
        claim_slot(tmp_path)
    held.release()


@pytest.mark.parametrize("value", ["", "a b", "x" * 101, "../../etc", "w\n1"])
def test_an_instance_id_that_is_not_a_plain_name_is_refused(value: str) -> None:
    # it becomes part of the worker's transactional id, under the worker's ACL prefix: only a
    # plain name (an id with spaces, separators or line breaks is a careless copy)
    with pytest.raises(ValidationError):
        WorkerSettings(instance_id=value)
    assert WorkerSettings(instance_id="pod-3").instance_id == "pod-3"
