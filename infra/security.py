"""How every Kafka client of the project connects: address plus security, from configuration.

`connection_for(settings, principal)` is the one place a client's connection comes from:
the bootstrap address, the security protocol (``SEND_HUB_KAFKA_SECURITY_PROTOCOL``), the
SASL mechanism and identity, and the TLS files. The identity is, in order:

1. ``SEND_HUB_KAFKA_USERNAME`` / ``SEND_HUB_KAFKA_PASSWORD`` when set - one identity for the
   process, as a service deployed against an existing cluster has;
2. otherwise, on the local broker, the password of ``principal`` (the service asking) from
   the credentials file the broker made when it was formatted (``infra.credentials``);
   an existing cluster without a configured identity is a configuration error.

`KafkaConnection` then renders the keyword arguments of each client library: kafka-python
(`kafka_python`), aiokafka (`aiokafka`) and librdkafka's configuration for confluent-kafka
(`librdkafka`, the worker's intake); `sasl_identity` and `ssl_context` serve any other
client. So TLS + SASL against another cluster is configuration.
"""

import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError
from infra.credentials import Principal, credentials_path, load_credentials
from infra.kraft import is_local

__all__ = ["KafkaConnection", "as_connection", "connection_for", "start_client"]

_Client = TypeVar("_Client")
# kafka-python 3.0 bootstraps in a client's constructor. Two clients of one process that
# bootstrapped at the same moment over SASL were seen to both time out and then fail every
# retry, still in step (the web's feeder and revocation follower, 2 of 4 CI runs). Starting
# a process's clients one at a time avoids that.
_CLIENT_START = threading.Lock()


def start_client(factory: Callable[..., _Client], **config: Any) -> _Client:
    """``factory(**config)`` (a kafka-python client), never while another one bootstraps."""
    with _CLIENT_START:
        return factory(**config)


@dataclass(frozen=True)
class KafkaConnection:
    """Where a Kafka client connects and how it authenticates (the password never printed)."""

    bootstrap: str
    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    username: str | None = None
    password: SecretStr | None = field(default=None, repr=False)
    cafile: Path | None = None
    certfile: Path | None = None
    keyfile: Path | None = None
    check_hostname: bool = True

    @property
    def servers(self) -> list[str]:
        return [part.strip() for part in self.bootstrap.split(",") if part.strip()]

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def sasl_identity(self) -> tuple[str, str, str] | None:
        """``(mechanism, username, password)`` for SASL protocols, else None."""
        if not self.uses_sasl:
            return None
        if not (self.mechanism and self.username and self.password is not None):
            raise ConfigError(
                f"{self.protocol} needs a SASL username and password: set "
                "SEND_HUB_KAFKA_USERNAME and SEND_HUB_KAFKA_PASSWORD"
            )
        return self.mechanism, self.username, self.password.get_secret_value()

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context for SSL protocols (CA file, optional client cert), else None."""
        if not self.uses_tls:
            return None
        try:
            context = ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)
            if self.certfile:
                context.load_cert_chain(str(self.certfile), str(self.keyfile or self.certfile))
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(f"Kafka TLS files (SEND_HUB_KAFKA_SSL_*) unusable: {exc}") from exc
        context.check_hostname = self.check_hostname
        return context

    def security(self) -> dict[str, Any]:
        """Security keyword arguments shared by kafka-python and aiokafka."""
        out: dict[str, Any] = {"security_protocol": self.protocol}
        identity = self.sasl_identity()
        if identity is not None:
            mechanism, username, password = identity
            out |= {"sasl_mechanism": mechanism, "sasl_plain_username": username,
                    "sasl_plain_password": password}  # fmt: skip
        context = self.ssl_context()
        if context is not None:
            out["ssl_context"] = context
        return out

    def kafka_python(self) -> dict[str, Any]:
        """``bootstrap_servers`` plus security, for kafka-python's producer/consumer/admin."""
        return {"bootstrap_servers": self.servers, **self.security()}

    def aiokafka(self) -> dict[str, Any]:
        """``bootstrap_servers`` plus security, for aiokafka's producer/consumer."""
        return {"bootstrap_servers": self.bootstrap, **self.security()}

    def librdkafka(self) -> dict[str, Any]:
        """The same connection as librdkafka properties (confluent-kafka's clients)."""
        out: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap, "security.protocol": self.protocol
        }  # fmt: skip
        identity = self.sasl_identity()
        if identity is not None:
            mechanism, username, password = identity
            out |= {"sasl.mechanism": mechanism, "sasl.username": username,
                    "sasl.password": password}  # fmt: skip
        if self.uses_tls:
            self.ssl_context()  # the same early check of the files as the other clients
            check = "https" if self.check_hostname else "none"
            out["ssl.endpoint.identification.algorithm"] = check
            if self.cafile:
                out["ssl.ca.location"] = str(self.cafile)
            if self.certfile:
                out["ssl.certificate.location"] = str(self.certfile)
                out["ssl.key.location"] = str(self.keyfile or self.certfile)
        return out


def as_connection(target: "KafkaConnection | str") -> KafkaConnection:
    """A connection as given, or an unauthenticated one to a bare ``host:port`` address."""
    return target if isinstance(target, KafkaConnection) else KafkaConnection(bootstrap=target)


def connection_for(settings: Settings, principal: Principal) -> KafkaConnection:
    """The connection of the service ``principal`` (identity rules in the module docstring)."""
    base = KafkaConnection(
        bootstrap=settings.kafka_bootstrap, protocol=settings.kafka_security_protocol,
        cafile=settings.kafka_ssl_cafile, certfile=settings.kafka_ssl_certfile,
        keyfile=settings.kafka_ssl_keyfile, check_hostname=settings.kafka_ssl_check_hostname,
    )  # fmt: skip
    if not base.uses_sasl:
        return base
    username, password = settings.kafka_username, settings.kafka_password
    if username is None:
        if password is not None:
            raise ConfigError("SEND_HUB_KAFKA_PASSWORD is set without SEND_HUB_KAFKA_USERNAME")
        if not is_local(settings):
            raise ConfigError(
                f"the Kafka cluster at {settings.kafka_bootstrap} needs a sign-in "
                f"({settings.kafka_security_protocol}): set SEND_HUB_KAFKA_USERNAME and "
                "SEND_HUB_KAFKA_PASSWORD, or SEND_HUB_KAFKA_SECURITY_PROTOCOL for an open one"
            )
        username = principal.value
        password = load_credentials(credentials_path(settings))[principal]
    return KafkaConnection(
        bootstrap=base.bootstrap, protocol=base.protocol, mechanism=settings.kafka_sasl_mechanism,
        username=username, password=password, cafile=base.cafile, certfile=base.certfile,
        keyfile=base.keyfile, check_hostname=base.check_hostname,
    )  # fmt: skip
