"""``send-hub token``: print a signed development access token for the web service and API.

Signed with ``SEND_HUB_AUTH_SECRET`` (HS256), issuer ``SEND_HUB_AUTH_ISSUER``. The token is the
last line of standard output, so scripts can take it with ``tail -1``.
"""

from datetime import UTC, datetime

import click

from hub.auth import Caller, OrgKind, Role, issue_token, parse_ttl
from hub.config import get_settings
from hub.models import Purpose

__all__ = ["register"]


def _choice(kind: type[OrgKind] | type[Role] | type[Purpose]) -> click.Choice:
    return click.Choice([member.value for member in kind], case_sensitive=False)


@click.command("token")
@click.option("--sub", required=True, help="Who the token is for (user id).")
@click.option("--org", required=True, help="Organisation code (ODS code, URN or LA code).")
@click.option("--org-kind", required=True, type=_choice(OrgKind), help="Kind of organisation.")
@click.option("--role", required=True, type=_choice(Role), help="Role (docs/domain.md).")
@click.option("--purpose", default=Purpose.DIRECT_CARE.value, show_default=True,
              type=_choice(Purpose), help="Purpose the holder reads for.")  # fmt: skip
@click.option("--ttl", default="8h", show_default=True, help="Lifetime: 90s, 30m, 8h, 1d.")
def token_cmd(sub: str, org: str, org_kind: str, role: str, purpose: str, ttl: str) -> None:
    """Print a signed dev access token (send it as 'Authorization: Bearer <token>')."""
    settings = get_settings()
    caller = Caller(
        subject=sub, org=org, org_kind=OrgKind(org_kind.upper()), role=Role(role.upper()),
        purpose=Purpose(purpose.upper()),
    )  # fmt: skip
    token = issue_token(
        caller, secret=settings.auth_secret.get_secret_value(), issuer=settings.auth_issuer,
        now=datetime.now(UTC), ttl=parse_ttl(ttl),
    )  # fmt: skip
    click.echo(token)


def register(group: click.Group) -> None:
    """Add ``token`` to the CLI."""
    group.add_command(token_cmd)
