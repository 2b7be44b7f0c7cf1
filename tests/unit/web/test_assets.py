"""GOV.UK Frontend and MOJ Frontend from npm, served by the app; nothing outside them is."""

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hub.web.assets import NODE_MODULES, missing_assets, mount_assets


def test_npm_installed_what_the_pages_need() -> None:
    assert missing_assets() == [], "run 'make assets' (npm ci)"


@pytest.mark.parametrize("path", [
    "/vendor/govuk/govuk-frontend.min.css", "/vendor/moj/moj-frontend.min.css",
    "/assets/fonts/bold-b542beb274-v2.woff2",  # GOV.UK Frontend's font, as its CSS asks
    "/assets/images/icon-toggle-plus-minus.svg",  # MOJ Frontend's image, same folder
    "/static/hub.css",
])  # fmt: skip
def test_the_stylesheets_and_what_they_refer_to_are_served(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", [
    "/assets/../../../../etc/passwd", "/assets/%2e%2e/%2e%2e/package.json",
    "/vendor/govuk/../../../package.json", "/assets//etc/passwd", "/vendor/moj/nope.css",
])  # fmt: skip
def test_nothing_outside_the_asset_folders_is_served(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404 and "root:" not in response.text


def test_every_font_and_image_the_stylesheets_name_is_served(client: TestClient) -> None:
    import re

    for sheet in ("/vendor/govuk/govuk-frontend.min.css", "/vendor/moj/moj-frontend.min.css"):
        for url in set(re.findall(r"url\((/assets/[^)]+)\)", client.get(sheet).text)):
            assert client.get(url).status_code == 200, url


def test_missing_assets_are_named_and_the_app_still_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert len(missing_assets(tmp_path)) == 3
    app = FastAPI()
    mount_assets(app, tmp_path)
    assert "npm ci" in caplog.text
    with TestClient(app) as client:
        assert client.get("/vendor/govuk/govuk-frontend.min.css").status_code == 404
    assert NODE_MODULES.name == "node_modules"
