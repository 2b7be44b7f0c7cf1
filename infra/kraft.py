"""The on-disk side of a local single-node KRaft broker: paths, config files, storage format.

Everything lives under ``settings.data_dir / "kafka"``::

    config/server.properties   combined broker+controller, loopback SASL listeners only (0600:
                               it holds the broker's own passwords)
    credentials.json           every principal's password (``infra.credentials``, 0600)
    config/log4j2.xml          INFO and up to logs/server.log, WARN and up to the console
    data/                      the log dirs (``meta.properties`` once formatted)
    logs/                      server.log and kafka.out (the JVM's stdout/stderr)
    kafka.pid                  pid of the running broker
"""

import base64
import os
import subprocess
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError, InfraError
from infra.credentials import SUPER_USERS, Principal

__all__ = [
    "SCRAM",
    "Bootstrap",
    "KafkaLayout",
    "Passwords",
    "authorizer_lines",
    "format_storage",
    "is_formatted",
    "is_local",
    "log4j2_xml",
    "new_cluster_id",
    "parse_bootstrap",
    "sasl_lines",
    "scram_users",
    "server_properties",
    "write_config",
]

_LOOPBACK = {"127.0.0.1", "localhost"}
_FORMAT_TIMEOUT = 120.0
# Clients and the broker's own inter-broker traffic use SCRAM (users stored in the cluster
# metadata, added when storage is formatted). The controller listener cannot use SCRAM - the
# controller needs it before any metadata is loaded - so it uses PLAIN with a password kept in
# the broker's own config.
SCRAM = "SCRAM-SHA-512"
_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
_PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule"
Passwords = Mapping[Principal, SecretStr]


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
    """True when every bootstrap address is on loopback: send-hub's own broker or cluster.

    The broker (or a local cluster's node 1) listens at the first address; a local cluster's
    clients may list every node's address (``send-hub kafka status`` prints them).
    """
    return all(a.host in _LOOPBACK for a in parse_bootstrap(settings.kafka_bootstrap))


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


def server_properties(layout: KafkaLayout, passwords: Passwords) -> str:
    """A combined broker+controller KRaft config for one node on loopback, SASL and ACLs on."""
    h, p, c = layout.host, layout.port, layout.controller_port
    lines = [
        "# Written by send-hub (infra/kraft.py) on every start; edits are overwritten.",
        "process.roles=broker,controller",
        "node.id=1",
        f"controller.quorum.voters=1@{h}:{c}",
        f"listeners=CLIENT://{h}:{p},CONTROLLER://{h}:{c}",
        f"advertised.listeners=CLIENT://{h}:{p}",
        "controller.listener.names=CONTROLLER",
        "inter.broker.listener.name=CLIENT",
        "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT",
        *sasl_lines(passwords),
        *authorizer_lines(),
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


def sasl_lines(passwords: Passwords) -> list[str]:
    """SCRAM on the client listener (clients, inter-broker), PLAIN on the controller's."""
    broker = passwords[Principal.BROKER].get_secret_value()
    controller = passwords[Principal.CONTROLLER].get_secret_value()
    return [
        f"listener.name.client.sasl.enabled.mechanisms={SCRAM}",
        "listener.name.controller.sasl.enabled.mechanisms=PLAIN",
        f"sasl.mechanism.inter.broker.protocol={SCRAM}",
        "sasl.mechanism.controller.protocol=PLAIN",
        f"listener.name.client.{SCRAM.lower()}.sasl.jaas.config={_SCRAM_LOGIN} required "
        f'username="{Principal.BROKER}" password="{broker}";',
        # The controller listener's JAAS serves both ends: this node's broker logs in with
        # username/password, and the controller checks it against user_controller.
        f"listener.name.controller.plain.sasl.jaas.config={_PLAIN_LOGIN} required "
        f'username="{Principal.CONTROLLER}" password="{controller}" '
        f'user_{Principal.CONTROLLER}="{controller}";',
    ]


def authorizer_lines() -> list[str]:
    """KRaft's StandardAuthorizer, denying by default; the super users."""
    supers = ";".join(f"User:{p}" for p in SUPER_USERS)
    return [
        "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        f"super.users={supers}",
        # Deny by default: a resource without an ACL is reachable only by super users.
        "allow.everyone.if.no.acl.found=false",
    ]


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


def write_config(layout: KafkaLayout, passwords: Passwords, properties: str | None = None) -> None:
    """Create the directories and (re)write ``server.properties`` (0600) and ``log4j2.xml``.

    ``properties``: that text instead of the single node's (a cluster node's, ``kraft_cluster``).
    """
    for directory in (layout.config_dir, layout.data_dir, layout.logs_dir):
        directory.mkdir(parents=True, exist_ok=True)
    layout.config_dir.chmod(0o700)
    fd = os.open(layout.properties, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(properties or server_properties(layout, passwords))
    layout.properties.chmod(0o600)
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


def scram_users(passwords: Passwords) -> list[str]:
    """``--add-scram`` arguments: every principal but the controller (PLAIN) as a SCRAM user."""
    args = []
    for principal, password in passwords.items():
        if principal is not Principal.CONTROLLER:
            user = f"name={principal},password={password.get_secret_value()}"
            args += ["--add-scram", f"{SCRAM}=[{user}]"]
    return args


def format_storage(
    layout: KafkaLayout, java: Path, libs: Path, passwords: Passwords, cluster_id: str | None = None
) -> bool:
    """Format the log dirs for KRaft, with the SCRAM users, unless done; True if formatted now.

    ``cluster_id``: the id every node of a cluster shares (default: a new one, one node).

    SCRAM users live in the cluster metadata; adding them at format time is how a KRaft
    cluster gets its first ones (the broker needs its own before it can start).
    """
    if is_formatted(layout):
        return False
    cmd = [
        str(java), f"-Dlog4j2.configurationFile={layout.log4j2}", "-cp", f"{libs}/*",
        "kafka.tools.StorageTool", "format", "-t", cluster_id or new_cluster_id(),
        "-c", str(layout.properties), *scram_users(passwords),
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
