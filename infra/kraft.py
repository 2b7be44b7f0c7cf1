"""The on-disk side of a local single-node KRaft broker: paths, config files, storage format.

Everything lives under ``settings.data_dir / "kafka"``::

    config/server.properties   combined broker+controller, loopback listeners only
    config/log4j2.xml          INFO and up to logs/server.log, WARN and up to the console
    data/                      the log dirs (``meta.properties`` once formatted)
    logs/                      server.log and kafka.out (the JVM's stdout/stderr)
    kafka.pid                  pid of the running broker
"""

import base64
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

from hub.config import Settings
from hub.errors import ConfigError, InfraError

__all__ = [
    "Bootstrap",
    "KafkaLayout",
    "format_storage",
    "is_formatted",
    "is_local",
    "log4j2_xml",
    "new_cluster_id",
    "parse_bootstrap",
    "server_properties",
    "write_config",
]

_LOOPBACK = {"127.0.0.1", "localhost"}
_FORMAT_TIMEOUT = 120.0


@dataclass(frozen=True)
class Bootstrap:
    """One ``host:port`` bootstrap address."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_bootstrap(value: str) -> list[Bootstrap]:
    """Split ``SEND_HUB_KAFKA_BOOTSTRAP`` (``host:port[,host:port...]``) into addresses."""
    out = []
    for part in (p.strip() for p in value.split(",")):
        host, sep, port = part.rpartition(":")
        if not part or not sep or not host or not port.isdigit():
            raise ConfigError(f"SEND_HUB_KAFKA_BOOTSTRAP: {part!r} is not host:port")
        out.append(Bootstrap(host, int(port)))
    return out


def is_local(settings: Settings) -> bool:
    """True when the bootstrap is one loopback address, i.e. a broker send-hub may start."""
    addresses = parse_bootstrap(settings.kafka_bootstrap)
    return len(addresses) == 1 and addresses[0].host in _LOOPBACK


@dataclass(frozen=True)
class KafkaLayout:
    """Paths and ports of the local broker, derived from settings."""

    root: Path
    port: int
    controller_port: int
    host: str = "127.0.0.1"

    @classmethod
    def from_settings(cls, settings: Settings) -> "KafkaLayout":
        address = parse_bootstrap(settings.kafka_bootstrap)[0]
        if address.port == settings.kafka_controller_port:
            raise ConfigError(
                f"the Kafka client port and controller port are both {address.port}; "
                "set SEND_HUB_KAFKA_CONTROLLER_PORT to another port"
            )
        root = settings.data_dir.expanduser().resolve() / "kafka"
        return cls(root=root, port=address.port, controller_port=settings.kafka_controller_port)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def config_dir(self) -> Path:
        return self.root / "config"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def properties(self) -> Path:
        return self.config_dir / "server.properties"

    @property
    def log4j2(self) -> Path:
        return self.config_dir / "log4j2.xml"

    @property
    def pid_file(self) -> Path:
        return self.root / "kafka.pid"

    @property
    def server_log(self) -> Path:
        return self.logs_dir / "server.log"

    @property
    def console_log(self) -> Path:
        return self.logs_dir / "kafka.out"


def server_properties(layout: KafkaLayout) -> str:
    """A combined broker+controller KRaft config for one node on loopback."""
    h, p, c = layout.host, layout.port, layout.controller_port
    lines = [
        "# Written by send-hub (infra/kraft.py) on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@{h}:{c}",
        f"listeners=PLAINTEXT://{h}:{p},CONTROLLER://{h}:{c}",
        f"advertised.listeners=PLAINTEXT://{h}:{p}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=PLAINTEXT",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        f"log.dirs={layout.data_dir}",
        "num.partitions=1",
        # One node: every internal topic can only have one replica.
        "offsets.topic.replication.factor=1",
        "transaction.state.log.replication.factor=1",
        "transaction.state.log.min.isr=1",
        "share.coordinator.state.topic.replication.factor=1",
        "share.coordinator.state.topic.min.isr=1",
        # No point waiting for more consumers to join on a dev/test broker.
        "group.initial.rebalance.delay.ms=0",
    ]
    return "\n".join(lines) + "\n"


def log4j2_xml(layout: KafkaLayout) -> str:
    """Log4j2 config: INFO to ``logs/server.log`` (rolled), WARN and up to the console."""
    log = layout.server_log
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- No log4j shutdown hook: Kafka logs its own orderly shutdown after SIGTERM. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="console" target="SYSTEM_OUT">
      <ThresholdFilter level="WARN"/>
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
    </Console>
    <RollingFile name="server" fileName="{log}" filePattern="{log}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <SizeBasedTriggeringPolicy size="20 MB"/>
      <DefaultRolloverStrategy max="3"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Logger name="kafka.request.logger" level="WARN"/>
    <Logger name="org.apache.kafka.controller" level="INFO"/>
    <Root level="INFO">
      <AppenderRef ref="console"/>
      <AppenderRef ref="server"/>
    </Root>
  </Loggers>
</Configuration>
"""


def write_config(layout: KafkaLayout) -> None:
    """Create the directories and (re)write ``server.properties`` and ``log4j2.xml``."""
    for directory in (layout.config_dir, layout.data_dir, layout.logs_dir):
        directory.mkdir(parents=True, exist_ok=True)
    layout.properties.write_text(server_properties(layout))
    layout.log4j2.write_text(log4j2_xml(layout))


def new_cluster_id() -> str:
    """A Kafka cluster id: a random UUID, URL-safe base64 without padding (22 chars).

    Same shape as ``StorageTool random-uuid`` without paying for a JVM start; like
    Kafka's ``Uuid.randomUuid`` it never starts with ``-``.
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def is_formatted(layout: KafkaLayout) -> bool:
    """True once ``StorageTool format`` has written ``meta.properties``."""
    return (layout.data_dir / "meta.properties").is_file()


def format_storage(layout: KafkaLayout, java: Path, libs: Path) -> bool:
    """Format the log dirs for KRaft unless already done; True if it formatted now."""
    if is_formatted(layout):
        return False
    cmd = [
        str(java), f"-Dlog4j2.configurationFile={layout.log4j2}", "-cp", f"{libs}/*",
        "kafka.tools.StorageTool", "format", "-t", new_cluster_id(),
        "-c", str(layout.properties),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=_FORMAT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InfraError(f"formatting Kafka storage in {layout.data_dir} failed: {exc}") from exc
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        reason = detail[-1] if detail else f"exit code {done.returncode}"
        raise InfraError(f"formatting Kafka storage in {layout.data_dir} failed: {reason}")
    return True
