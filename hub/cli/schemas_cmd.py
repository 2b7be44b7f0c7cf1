"""``send-hub schemas check|list``: validate the Avro contract and its evolution.

``check`` parses every version of every schema and verifies BACKWARD_TRANSITIVE
compatibility, printing one line per version and per reader/writer pair; any failure
exits non-zero. ``list`` shows the catalogue (subject, version, record, fingerprint).
"""

from pathlib import Path

import click

from hub.errors import SchemaError
from schemas.catalogue import AVRO_ROOT, load_catalogue
from schemas.compat import check_compatibility

__all__ = ["register"]

_ROOT_OPTION = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=AVRO_ROOT,
    show_default=True,
    help="Directory holding <subject>/v<N>.avsc files.",
)


@click.group("schemas")
def schemas_group() -> None:
    """Check and list the Avro event contract."""


@schemas_group.command("check")
@_ROOT_OPTION
def check(root: Path) -> None:
    """Verify every schema parses and is BACKWARD_TRANSITIVE compatible."""
    report = check_compatibility(root)
    for finding in report.findings:
        click.echo(finding.line())
    if not report.ok:
        raise SchemaError(f"{len(report.failures)} schema check(s) failed under {root}")
    click.echo(f"all {len(report.findings)} schema checks passed")


@schemas_group.command("list")
@_ROOT_OPTION
def list_schemas(root: Path) -> None:
    """Show every catalogued schema version and its fingerprint."""
    catalogue = load_catalogue(root)
    for sv in catalogue:
        current = "  (current)" if sv is catalogue.current(sv.subject) else ""
        click.echo(f"{sv.subject:<26} v{sv.version:<3} {sv.name:<34} {sv.fingerprint_hex}{current}")


def register(group: click.Group) -> None:
    """Add the ``schemas`` command group to the CLI."""
    group.add_command(schemas_group)
