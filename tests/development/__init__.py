"""Tests of the development environment's helpers (``development/``)."""
