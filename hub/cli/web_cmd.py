"""``send-hub web``: the HTTP service (JSON API, caseworker pages, /health, /ready, /metrics).

Binds to ``SEND_HUB_WEB_HOST:SEND_HUB_WEB_PORT`` (loopback by default), builds its read model
from ``send.timeline`` and ``send.identity.links`` and audits reads to ``send.audit``. It
refuses to listen beyond loopback unless an identity provider or a strong shared signing
secret is configured: the generated per-data-directory key is for local development.
"""

import click

from hub.authn import check_bind
from hub.config import get_settings

__all__ = ["register"]


@click.command("web")
@click.option("--host", default=None, help="Address to bind (default SEND_HUB_WEB_HOST).")
@click.option("--port", type=int, default=None, help="Port (default SEND_HUB_WEB_PORT).")
@click.option("--rebuild", is_flag=True, help="Drop the read model and rebuild it from the topics.")
def web_cmd(host: str | None, port: int | None, rebuild: bool) -> None:
    """Run the web service until Ctrl-C."""
    from hub.web.server import serve  # import late: keeps other commands quick to start

    settings = get_settings()
    overrides = {k: v for k, v in (("web_host", host), ("web_port", port)) if v is not None}
    if overrides:
        settings = settings.model_copy(update=overrides)
    check_bind(settings, settings.web_host)
    click.echo(f"send-hub web on http://{settings.web_host}:{settings.web_port}/", err=True)
    serve(settings, rebuild=rebuild)


def register(group: click.Group) -> None:
    """Add ``web`` to the CLI."""
    group.add_command(web_cmd)
