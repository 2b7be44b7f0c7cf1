"""``send-hub demo`` end to end: it comes up, the timeline API answers with its dev token,
and Ctrl-C stops every process it started."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from infra.process import free_port, port_in_use
from infra.security import KafkaConnection
from schemas.serde import decode_model

_BANNER_TIMEOUT_S = 240.0


def _read_token(proc: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + _BANNER_TIMEOUT_S
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            pytest.fail(f"demo exited with {proc.returncode} before printing its banner")
        if "dev token" in line:
            return line.split(":", 1)[1].strip()
    pytest.fail("demo printed no token in time")


def _first_child_id(kafka: KafkaConnection, topic: str) -> str:
    consumer = KafkaConsumer(
        topic,
        **kafka.kafka_python(),
        auto_offset_reset="earliest",
        consumer_timeout_ms=60_000,
        group_id=None,
    )
    try:
        for message in consumer:
            entry = decode_model(message.value)
            # The demo token is LA 888's EHC coordinator reading on the statutory EHC duty: the
            # consent policy shows them children with an EHC plan that LA maintains.
            event = getattr(entry, "event", None)
            if event is not None and event.event_type == "EHCFinalIssued" \
                    and event.source.org_code == "888":  # fmt: skip
                return bytes(message.key).decode()
    finally:
        consumer.close()
    pytest.fail("no EHC plan of LA 888 was published within a minute")


def _get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return dict(json.load(resp))


def _timeline_items(base: str, child_id: str, token: str) -> list[object]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            body = _get(f"{base}/api/children/{child_id}/timeline", token)
        except urllib.error.HTTPError as exc:
            if exc.code != 404:  # 404: the web's read model has not projected the child yet
                raise
            body = {}
        items = body.get("items") or body.get("entries") or []
        if isinstance(items, list) and items:
            return items
        time.sleep(1.0)
    return []


def test_demo_serves_timelines_and_stops_cleanly(
    kafka_bootstrap: str, kafka_admin: KafkaConnection, tmp_path: Path
) -> None:
    prefix = f"demo{uuid.uuid4().hex[:8]}"
    port = free_port()
    env = {
        **os.environ,
        "SEND_HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "SEND_HUB_TOPIC_PREFIX": prefix,
        "SEND_HUB_WEB_PORT": str(port),
        "SEND_HUB_DATA_DIR": str(tmp_path),
    }
    cmd = [
        sys.executable,
        "-m",
        "hub.cli.main",
        "demo",
        "--children",
        "60",
        "--days",
        "120",
        "--rate",
        "200",
        "--keep-kafka",
    ]
    # As from a terminal: a shell that runs this suite in the background ignores SIGINT, and
    # Python keeps an inherited SIG_IGN, so the demo would never see the test's "Ctrl-C".
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        token = _read_token(proc)
        child_id = _first_child_id(kafka_admin, f"{prefix}.timeline")
        base = f"http://127.0.0.1:{port}"
        items = _timeline_items(base, child_id, token)
        assert items, "the timeline API returned no entries for a child on send.timeline"
        assert isinstance(_get(f"{base}/api/children/{child_id}", token)["clocks"], list)
        request = urllib.request.Request(
            f"{base}/api/kpis", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=60) as resp:
            assert isinstance(json.load(resp), list)  # the dev token's LA role may read KPIs
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=90)
    assert code == 0
    assert not port_in_use("127.0.0.1", port), "the web service still listens after Ctrl-C"
