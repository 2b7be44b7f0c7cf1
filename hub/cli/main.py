"""Entry point of ``send-hub``: builds the click group and turns errors into one line.

Each subcommand lives in its own module under ``hub.cli`` and is registered in
``_COMMAND_MODULES``; a module exposes ``register(group)``.
"""

import importlib
import sys

import click

from hub.errors import HubError

__all__ = ["cli", "main"]

# Subcommand modules, each with a ``register(group)`` function.
_COMMAND_MODULES: tuple[str, ...] = (
    "hub.cli.schemas_cmd",
    "hub.cli.publish_cmd",
    "hub.cli.simulate_cmd",
    "hub.cli.kafka_cmd",
    "hub.cli.link_cmd",
    "hub.cli.worker_cmd",
    "hub.cli.demo_cmd",
    "hub.cli.dlq_cmd",
    "hub.cli.web_cmd",
    "hub.cli.token_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="send-hub")
def cli() -> None:
    """send-hub: a SEND partnership data integration hub on Apache Kafka."""


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        importlib.import_module(name).register(cli)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a HubError becomes one line on stderr and a non-zero exit."""
    _register_all()
    try:
        cli.main(args=argv, prog_name="send-hub", standalone_mode=False)
    except HubError as exc:
        click.echo(f"send-hub: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("send-hub: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"send-hub: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
