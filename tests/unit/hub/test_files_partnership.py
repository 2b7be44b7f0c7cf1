"""The partnership membership file: read, validated, refused when malformed."""

from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.files.partnership import load_partnership
from hub.identity.involvement import involved


def test_a_membership_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "partnership.yaml"
    path.write_text('version: 1\ngroups:\n  - name: pilot\n    organisations: ["888", RW5]\n')
    partnership = load_partnership(path)
    assert partnership is not None and involved(partnership, "888", {"RW5"})
    assert load_partnership(None) is None


@pytest.mark.parametrize(
    "text",
    ["version: 2\n", "groups:\n  - name: x\n    organisations: []\n", "groups: [1, 2\n",
     "groups:\n  - name: x\n    organisations: [a]\n    everyone: true\n"],
)  # fmt: skip
def test_a_malformed_membership_file_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "partnership.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="not valid"):
        load_partnership(path)
