"""``send-hub token``: print a signed development access token for the web service and API.

Signed (HS256) with the data directory's generated key, or ``SEND_HUB_AUTH_SECRET`` when set
(at least 32 bytes); issuer ``SEND_HUB_AUTH_ISSUER``, audience ``SEND_HUB_AUTH_AUDIENCE``. The
lifetime is capped by ``SEND_HUB_AUTH_MAX_LIFETIME_S`` (12 h by default). The token is the last
line of standard output, so scripts can take it with ``tail -1``.
"""

from datetime import UTC, datetime

import click

from hub.auth import Caller, OrgKind, Role, issue_token, parse_ttl
from hub.authn import local_rules
from hub.config import get_settings
from hub.files.auth import signing_key
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
@click.option("--ttl", default="8h", show_default=True,
              help="Lifetime: 90s, 30m, 8h (at most 12h).")  # fmt: skip
def token_cmd(sub: str, org: str, org_kind: str, role: str, purpose: str, ttl: str) -> None:
    """Print a signed dev access token (send it as 'Authorization: Bearer <token>')."""
    settings = get_settings()
    caller = Caller(
        subject=sub, org=org, org_kind=OrgKind(org_kind.upper()), role=Role(role.upper()),
        purpose=Purpose(purpose.upper()),
    )  # fmt: skip
    rules, lifetime = local_rules(settings), parse_ttl(ttl)
    token = issue_token(
        caller, secret=signing_key(settings), issuer=rules.issuer, now=datetime.now(UTC),
        ttl=lifetime, audience=rules.audience, max_lifetime=rules.max_lifetime,
    )  # fmt: skip
    click.echo(token)


def register(group: click.Group) -> None:
    """Add ``token`` to the CLI."""
    group.add_command(token_cmd)
