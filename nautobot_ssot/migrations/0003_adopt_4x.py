"""Adopt a database that nautobot-ssot 4.x migrated (nothing to do on one this app created itself).

See ``nautobot_ssot.upgrade``: missing tables, columns and indexes are added, 4.x diffs are converted to
per-record rows, and what 4.x left that is not ours (its integrations' tables and migration records) is
reported and kept as it is.
"""

from django.db import migrations

from nautobot_ssot.upgrade.schema import adopt


class Migration(migrations.Migration):

    dependencies = [
        ("nautobot_ssot", "0002_safe_syncs"),
    ]

    operations = [
        migrations.RunPython(adopt, migrations.RunPython.noop),
    ]
