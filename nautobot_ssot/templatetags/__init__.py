"""Template tags of nautobot_ssot."""
