"""Where the web writes: audit records to send.audit, review decisions to the decisions topic."""
