"""REST API of nautobot_ssot: syncs and their log entries."""
