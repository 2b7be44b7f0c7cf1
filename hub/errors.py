"""The one exception root of send-hub and its small named subclasses.

Every error a user can cause (bad input, missing tool, unreachable broker) is a
`HubError`; the CLI turns it into one line on stderr and a non-zero exit.
Third-party errors are wrapped with ``raise ... from`` so the cause survives in logs.
"""

__all__ = [
    "ConfigError",
    "DecodeError",
    "HubError",
    "InfraError",
    "InputError",
    "KafkaUnavailable",
    "SchemaError",
    "ValidationFailed",
]


class HubError(Exception):
    """Root of every error send-hub raises on purpose."""

    exit_code = 1


class ConfigError(HubError):
    """Configuration is missing or invalid."""


class InfraError(HubError):
    """A local tool or service (Java, Maven, Kafka process) is missing or failed."""


class KafkaUnavailable(InfraError):
    """No Kafka broker answered at the configured bootstrap address."""


class SchemaError(HubError):
    """An Avro schema is invalid or breaks compatibility."""


class DecodeError(HubError):
    """Bytes could not be decoded as a known event (marker, fingerprint, body)."""


class InputError(HubError):
    """An input file or argument cannot be used at all."""


class ValidationFailed(HubError):
    """A record failed validation; carries the field and reason."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.reason = reason
        self.field = field
