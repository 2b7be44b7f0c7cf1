"""Where the web service finds its front-end assets, and how it serves them.

GOV.UK Frontend and MOJ Frontend come from npm (``package.json`` at the repository root,
installed by ``npm ci`` in ``make install``) into ``node_modules/``. Their stylesheets refer
to fonts and images under ``/assets/``, so that path serves GOV.UK Frontend's ``assets``
folder with MOJ Frontend's images alongside; the stylesheets themselves are served from
``/vendor/``. The hub's own small stylesheet stays in ``hub/web/static``.
"""

import logging
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

__all__ = ["NODE_MODULES", "missing_assets", "mount_assets"]

_log = logging.getLogger(__name__)
NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
_GOVUK = Path("govuk-frontend/dist/govuk")
_MOJ = Path("@ministryofjustice/frontend/moj")
_NEEDED = (_GOVUK / "govuk-frontend.min.css", _MOJ / "moj-frontend.min.css", _GOVUK / "assets")


def missing_assets(root: Path = NODE_MODULES) -> list[Path]:
    """The front-end files the pages need that are not installed under ``root``."""
    return [root / rel for rel in _NEEDED if not (root / rel).exists()]


class _Layered(StaticFiles):
    """Static files looked up in several folders in turn (GOV.UK assets, then MOJ images)."""

    def __init__(self, folders: list[Path]) -> None:
        super().__init__(directory=folders[0])
        self.all_directories = [f for f in folders if f.is_dir()]


def mount_assets(app: FastAPI, root: Path = NODE_MODULES) -> None:
    """Serve GOV.UK and MOJ Frontend under ``/assets`` and ``/vendor`` (warn when missing)."""
    missing = missing_assets(root)
    if missing:
        # Pages still work unstyled (their stylesheet links answer 404); the fix is one
        # command, so say it rather than fail.
        _log.warning("front-end assets missing (%s): run 'npm ci' at the repository root",
                     ", ".join(str(p) for p in missing))  # fmt: skip
    folders = [f for f in (root / _GOVUK / "assets", root / _MOJ / "assets") if f.is_dir()]
    if folders:
        app.mount("/assets", _Layered(folders), name="assets")
    for name, folder in (("govuk", root / _GOVUK), ("moj", root / _MOJ)):
        if folder.is_dir():
            app.mount(f"/vendor/{name}", StaticFiles(directory=folder), name=f"vendor-{name}")
