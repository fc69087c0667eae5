"""Tests that drive the web UI in a real (headless) browser."""
