"""Tests of nautobot_ssot.contrib."""
