"""The compose file for users (no Docker engine here): it must at least agree with the code."""

import re
from pathlib import Path
from typing import Any

import yaml

from hub.config import Settings
from streams.config import WorkerSettings

_INFRA = Path(__file__).resolve().parents[3] / "infra"


def _load(name: str) -> dict[str, Any]:
    loaded = yaml.safe_load((_INFRA / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_compose_runs_kafka_4_worker_web_and_prometheus() -> None:
    services = _load("compose.yaml")["services"]
    assert {"kafka", "topics", "worker", "web", "prometheus"} <= set(services)
    assert re.fullmatch(r"apache/kafka:4\.\d+\.\d+", services["kafka"]["image"])
    kafka_env = services["kafka"]["environment"]
    assert kafka_env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name in ("topics", "worker", "web"):
        env = services[name]["environment"]
        assert env["SEND_HUB_KAFKA_BOOTSTRAP"] == "kafka:19092"
        assert services[name]["command"][0] == "send-hub"
    assert all(p.startswith("127.0.0.1:") for s in services.values() for p in s.get("ports", []))


def test_compose_only_sets_settings_that_exist() -> None:
    hub_fields = {f"SEND_HUB_{f.upper()}" for f in Settings.model_fields}
    worker_fields = {f"SEND_HUB_WORKER_{f.upper()}" for f in WorkerSettings.model_fields}
    for service in _load("compose.yaml")["services"].values():
        for key in service.get("environment", {}):
            if key.startswith("SEND_HUB_"):
                assert key in hub_fields | worker_fields, key


def test_prometheus_scrapes_the_ports_compose_configures() -> None:
    services = _load("compose.yaml")["services"]
    web_port = services["web"]["environment"]["SEND_HUB_WEB_PORT"]
    worker_port = services["worker"]["environment"]["SEND_HUB_WORKER_METRICS_PORT"]
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"]
        for job in _load("prometheus.yml")["scrape_configs"]
    }
    assert targets["send-hub-web"] == [f"web:{web_port}"]
    assert targets["send-hub-worker"] == [f"worker:{worker_port}"]


def test_image_contains_every_package() -> None:
    dockerfile = (_INFRA / "Dockerfile").read_text()
    for package in ("hub", "streams", "schemas", "connectors", "infra"):
        assert f"COPY {package} ./{package}" in dockerfile
