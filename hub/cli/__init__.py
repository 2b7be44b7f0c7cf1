"""The ``send-hub`` command line: one entry point, one module per subcommand group."""

__all__: list[str] = []
