"""Tests of nautobot_ssot.contrib.bulk."""
