"""How an identity provider's token claims become a hub caller: the claims-mapping rules, pure.

Providers name things their own way (Entra ID app roles, Keycloak realm roles, a custom
``ods_code`` claim), so the partnership writes one versioned mapping file (read by
`hub.files.auth`) saying which claim holds each caller field (a dotted path reaches into
nested claims such as ``realm_access.roles``) and how the provider's values translate to hub
values. A value the file does not list is refused rather than guessed, and a token whose roles
map to more than one hub role is refused: one person, one role per sign-in.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hub.auth import AuthError

__all__ = ["ClaimNames", "ClaimsMapping", "map_claims"]

_FIELDS = ("subject", "org", "org_kind", "role", "purpose")


class ClaimNames(BaseModel):
    """Which claim (dotted path) holds each caller field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: str = "sub"
    org: str = "org"
    org_kind: str = "org_kind"
    role: str = "role"
    purpose: str | None = None  # no claim: every caller reads for direct care
    token_id: str = "jti"


class ClaimsMapping(BaseModel):
    """A partnership's mapping file (version 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    claims: ClaimNames = ClaimNames()
    # field -> provider value -> hub value; a field listed here accepts only listed values
    values: dict[Literal["org", "org_kind", "role", "purpose"], dict[str, str]] = Field(
        default_factory=dict
    )


def _claim(claims: dict[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _one(mapping: ClaimsMapping, field: str, raw: Any) -> str | None:
    items = raw if isinstance(raw, list) else [raw]
    table = mapping.values.get(field)  # type: ignore[call-overload]
    if table is not None:
        found = {table[i] for i in items if isinstance(i, str) and i in table}
    else:
        found = {i.strip().upper() if field != "org" else i.strip() for i in items
                 if isinstance(i, str) and i.strip()}  # fmt: skip
    if len(found) > 1:
        raise AuthError(f"token maps to more than one {field}; the provider must send one")
    return found.pop() if found else None


def map_claims(mapping: ClaimsMapping, claims: dict[str, Any]) -> dict[str, Any]:
    """The caller fields (subject, org, org_kind, role, purpose) of verified ``claims``."""
    names = mapping.claims
    subject = _claim(claims, names.subject)
    if not isinstance(subject, str) or not subject.strip():
        raise AuthError(f"token lacks the {names.subject!r} claim")
    out: dict[str, Any] = {"subject": subject}
    for field in _FIELDS[1:]:
        path = getattr(names, field)
        if path is None:
            continue
        value = _one(mapping, field, _claim(claims, path))
        if value is None and field != "purpose":
            raise AuthError(f"token has no usable {path!r} claim for the caller's {field}")
        if value is not None:
            out[field] = value
    return out
