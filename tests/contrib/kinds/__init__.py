"""Tests of the field kinds."""
