"""Alerts and dashboards as code: promtool checks and unit-tests the rules; every metric they
and the Grafana dashboard use is one the hub defines; compose wires Prometheus and Grafana."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

import hub.metrics as worker_metrics
import hub.web.metrics as web_metrics

_INFRA = Path(__file__).resolve().parents[3] / "infra"
_ALERTS = {"SendHubWorkerDown", "SendHubIngestLagGrowing", "SendHubDeadLettersRising",
           "SendHubFeedQuiet", "SendHubWebDown", "SendHubAuditFailing"}  # fmt: skip


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool is missing: run 'make promtool' (as root)", pytrace=False)
    return found


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_promtool(), *args], cwd=_INFRA, capture_output=True, text=True,
                          check=False, timeout=120)  # fmt: skip


def _defined_names() -> set[str]:
    names = set()
    for module in (worker_metrics, web_metrics):
        for value in vars(module).values():
            name = getattr(value, "_name", None)
            if isinstance(name, str) and name.startswith("send_hub_"):
                kind = getattr(value, "_type", "")
                names |= {name, f"{name}_total"} if kind == "counter" else {name}
                if kind == "histogram":
                    names |= {f"{name}_bucket", f"{name}_sum", f"{name}_count"}
    return names


def _used(text: str) -> set[str]:
    return set(re.findall(r"\bsend_hub_[a-z0-9_]+", text))


def test_promtool_finds_the_rules_valid() -> None:
    done = _run("check", "rules", "alerts.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"SUCCESS: {len(_ALERTS)} rules found" in done.stdout


def test_each_alert_fires_when_it_should_and_not_otherwise() -> None:
    done = _run("test", "rules", "alerts.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    tested = set(re.findall(r"alertname: (\w+)", (_INFRA / "alerts.test.yml").read_text()))
    assert tested == _ALERTS


def test_a_broken_rule_is_caught(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: sum(\n")
    assert _run("check", "rules", str(bad)).returncode != 0


def test_rules_and_dashboard_use_only_metrics_the_hub_defines() -> None:
    dashboard = (_INFRA / "grafana" / "dashboards" / "send-hub.json").read_text()
    used = _used((_INFRA / "alerts.yml").read_text()) | _used(dashboard)
    unknown = used - _defined_names()
    assert not unknown, f"not defined in hub/metrics.py or hub/web/metrics.py: {unknown}"


def test_the_dashboard_is_grafana_json_on_the_provisioned_data_source() -> None:
    dash: dict[str, Any] = json.loads((_INFRA / "grafana/dashboards/send-hub.json").read_text())
    provisioned = _INFRA / "grafana/provisioning/datasources/prometheus.yml"
    source = yaml.safe_load(provisioned.read_text())
    uid = source["datasources"][0]["uid"]
    assert dash["uid"] and dash["panels"]
    for panel in dash["panels"]:
        assert panel["datasource"]["uid"] == uid and panel["targets"], panel["title"]
    assert len({p["id"] for p in dash["panels"]}) == len(dash["panels"])


def test_compose_wires_prometheus_rules_and_grafana() -> None:
    services = yaml.safe_load((_INFRA / "compose.yaml").read_text())["services"]
    assert "./alerts.yml:/etc/prometheus/alerts.yml:ro" in services["prometheus"]["volumes"]
    assert "alerts.yml" in yaml.safe_load((_INFRA / "prometheus.yml").read_text())["rule_files"]
    grafana = services["grafana"]
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in grafana["volumes"]
    assert grafana["ports"] == ["127.0.0.1:3000:3000"]
