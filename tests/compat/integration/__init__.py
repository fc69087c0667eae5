"""A small integration written the nautobot-ssot 4.7 way: tenants with tags, and devices, from a remote system.

The "remote system" is ``REMOTE``, a dictionary the tests fill; everything else is what a 4.7 integration
writes: models with ``contrib.types``, ``contrib.typeddicts.SortKey`` and ``contrib.sorting``, a plain diffsync
source adapter raising ``nautobot_ssot.exceptions`` errors, a NautobotAdapter target, and a DataSource job.
"""
