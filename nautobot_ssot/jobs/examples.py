"""Example data source and data target jobs (see the demo docs)."""

jobs = []
