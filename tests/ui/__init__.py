"""Shared data for the tests of the web UI and the REST API."""
