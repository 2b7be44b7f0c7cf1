"""Entry point of ``send-hub``: builds the click group and turns errors into one line.

Each subcommand lives in its own module under ``hub.cli`` and is registered in
``_COMMAND_MODULES`` (imported lazily); a module exposes ``register(group)``.
"""

import importlib
import sys

import click
from kafka.errors import KafkaError
from pydantic import ValidationError

from hub.errors import HubError

__all__ = ["cli", "main"]

# Subcommand name -> module with a ``register(group)`` function. Modules are imported only
# when their command runs (or for ``--help``), so ``send-hub link`` does not pay for Faust.
_COMMAND_MODULES: dict[str, str] = {
    "demo": "hub.cli.demo_cmd",
    "dlq": "hub.cli.dlq_cmd",
    "kafka": "hub.cli.kafka_cmd",
    "link": "hub.cli.link_cmd",
    "publish": "hub.cli.publish_cmd",
    "schemas": "hub.cli.schemas_cmd",
    "simulate": "hub.cli.simulate_cmd",
    "token": "hub.cli.token_cmd",
    "web": "hub.cli.web_cmd",
    "worker": "hub.cli.worker_cmd",
}


# Settings models read from the environment -> their variables' prefix.
_ENV_PREFIXES = {"Settings": "SEND_HUB_", "WorkerSettings": "SEND_HUB_WORKER_"}


class _LazyGroup(click.Group):
    """A click group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_COMMAND_MODULES)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = _COMMAND_MODULES.get(cmd_name)
        if module is None:
            return None
        holder = click.Group()
        importlib.import_module(module).register(holder)
        return holder.commands.get(cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="send-hub")
def cli() -> None:
    """send-hub: a SEND partnership data integration hub on Apache Kafka."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; a HubError becomes one line on stderr and a non-zero exit."""
    try:
        cli.main(args=argv, prog_name="send-hub", standalone_mode=False)
    except HubError as exc:
        click.echo(f"send-hub: error: {exc}", err=True)
        return exc.exit_code
    except KafkaError as exc:
        # Safety net: commands wrap their own Kafka errors; an unwrapped one is still a line.
        click.echo(
            f"send-hub: error: Kafka: {exc} (is a broker running at "
            "SEND_HUB_KAFKA_BOOTSTRAP? `send-hub kafka start`)",
            err=True,
        )
        return 1
    except ValidationError as exc:
        if exc.title not in _ENV_PREFIXES:
            raise
        # A bad SEND_HUB_* value: name the variable, never echo the value (it may be a secret).
        click.echo(f"send-hub: error: configuration: {_first_problem(exc)}", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("send-hub: aborted", err=True)
        return 130
    except click.ClickException as exc:
        click.echo(f"send-hub: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return 0


def _first_problem(exc: ValidationError) -> str:
    error = exc.errors(include_input=False)[0]
    field = ".".join(str(part) for part in error["loc"])
    return f"{_ENV_PREFIXES[exc.title]}{field.upper()}: {error['msg']}"


if __name__ == "__main__":
    sys.exit(main())
