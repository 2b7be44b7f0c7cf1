"""Demo people: who the sign-in page offers, where the list is kept, and how one is signed in.

``send-hub demo`` writes the list to ``<SEND_HUB_DATA_DIR>/demo/people.json`` from the
simulator's organisations before it starts the web service; the web service reads it at
start. Choosing a person posts only the person's key: the server mints the token, so no
token is ever put in a URL or a page.
"""

import json
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hub.auth import Caller, Role, TokenRules, issue_token
from hub.errors import InputError
from hub.models import AgencyKind, Purpose

__all__ = [
    "DEMO_TTL", "DemoPerson", "find_person", "load_people", "people_path", "save_people",
    "sign_in_as",
]  # fmt: skip

DEMO_TTL = timedelta(hours=8)
_KEY = r"^[a-z0-9-]{1,40}$"


class DemoPerson(BaseModel):
    """A person the demo can sign in as, with their organisation in words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    key: str = Field(pattern=_KEY)
    title: str = Field(max_length=80)  # "EHC coordinator"
    organisation: str = Field(max_length=120)  # "Lancashire County Council (local authority 888)"
    does: str = Field(max_length=200)  # what they come to the hub for
    subject: str = Field(max_length=80)
    org: str = Field(max_length=20)
    org_kind: AgencyKind
    role: Role
    purpose: Purpose = Purpose.DIRECT_CARE  # what they read for (the sharing policy decides by it)
    home: str = Field(default="/search", pattern=r"^/[a-z]*$")  # where signing in takes them

    def caller(self) -> Caller:
        return Caller(subject=self.subject, org=self.org, org_kind=self.org_kind, role=self.role,
                      purpose=self.purpose)  # fmt: skip


def people_path(data_dir: Path) -> Path:
    """Where the demo keeps its people under ``SEND_HUB_DATA_DIR``."""
    return data_dir / "demo" / "people.json"


def save_people(path: Path, people: list[DemoPerson]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([p.model_dump(mode="json") for p in people], indent=2) + "\n")


def load_people(path: Path) -> list[DemoPerson]:
    """The demo people in ``path``; none when there is no file (the demo did not write one)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read demo people from {path}: {exc}") from exc
    try:
        return [DemoPerson.model_validate(item) for item in raw]
    except (ValidationError, TypeError) as exc:
        raise InputError(f"demo people in {path} are not valid: {exc}") from exc


def find_person(people: list[DemoPerson], key: str) -> DemoPerson | None:
    """The demo person with this key, if there is one."""
    return next((p for p in people if p.key == key), None)


def sign_in_as(person: DemoPerson, *, secret: str, rules: TokenRules, now: datetime) -> str:
    """A token for the demo person, minted here (never sent to or taken from a browser URL)."""
    return issue_token(person.caller(), secret=secret, issuer=rules.issuer, now=now,
                       ttl=min(DEMO_TTL, rules.max_lifetime), audience=rules.audience,
                       max_lifetime=rules.max_lifetime)  # fmt: skip
