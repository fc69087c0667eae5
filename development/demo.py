"""Demo data for the development environment, loaded by ``invoke start`` after migrating.

Run it as a script with ``NAUTOBOT_CONFIG`` pointing at ``development/nautobot_config.py``
(``invoke start`` does this)::

    python development/demo.py

It is idempotent: running it again changes nothing that is already in place. The login it
guarantees comes from ``NAUTOBOT_SSOT_ADMIN_USERNAME``, ``NAUTOBOT_SSOT_ADMIN_PASSWORD`` and
``NAUTOBOT_SSOT_ADMIN_EMAIL`` (``admin`` / ``admin`` / ``admin@example.com`` when unset). With
``NAUTOBOT_SSOT_DEMO_DATA=false`` only the admin user is ensured. Add further demo objects to
:func:`load_demo_data`.

The same script seeds the demo's *remote* Nautobot (see ``development/remote.py``): run with
``NAUTOBOT_SSOT_DEMO_ROLE=remote`` (and ``NAUTOBOT_DB_NAME`` naming the remote's database), it creates
the API user and token (``NAUTOBOT_SSOT_REMOTE_TOKEN``) and the inventory that "Example Data Source"
copies (:mod:`demo_inventory`). For the local instance, ``NAUTOBOT_SSOT_REMOTE_URL`` and
``NAUTOBOT_SSOT_REMOTE_TOKEN_FILE`` make it create the ExternalIntegration and SecretsGroup pointing
at that remote.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nautobot
from nautobot.core.settings_funcs import is_truthy

APP_MODULE_PREFIX = "nautobot_ssot"

sys.path.insert(0, str(Path(__file__).resolve().parent))


def ensure_admin_user(username: str, password: str, email: str) -> str:
    """Make sure a superuser with this name exists and accepts this password.

    Args:
        username: The login name.
        password: The password that must work after this call.
        email: Email address stored on a newly created user.

    Returns:
        What was done: ``"created"``, ``"updated"`` or ``"unchanged"``.
    """
    from django.contrib.auth import get_user_model  # noqa: PLC0415  (needs nautobot.setup() first)

    user, created = get_user_model().objects.get_or_create(username=username, defaults={"email": email})
    if not created and user.is_superuser and user.is_staff and user.is_active and user.check_password(password):
        return "unchanged"
    user.is_superuser = user.is_staff = user.is_active = True
    user.set_password(password)
    user.save()
    return "created" if created else "updated"


def enable_app_jobs() -> int:
    """Enable this app's jobs so they can be run from the UI right away (Nautobot installs them disabled).

    Returns:
        How many jobs were switched on.
    """
    from nautobot.extras.models import Job  # noqa: PLC0415  (needs nautobot.setup() first)

    return Job.objects.filter(module_name__startswith=APP_MODULE_PREFIX, enabled=False).update(enabled=True)


def load_demo_data() -> None:
    """Create what the demo needs locally: the integration with the remote Nautobot, when one is configured."""
    url, token_file = os.getenv("NAUTOBOT_SSOT_REMOTE_URL"), os.getenv("NAUTOBOT_SSOT_REMOTE_TOKEN_FILE")
    if url and token_file:
        import demo_inventory  # noqa: PLC0415  (needs nautobot.setup() first)

        integration = demo_inventory.ensure_remote_integration(url, token_file)
        print(f"External integration {integration.name!r} points at {url}.")


def seed_remote() -> None:
    """Seed the remote demo Nautobot: API user and token, and the inventory the example jobs sync."""
    import demo_inventory  # noqa: PLC0415  (needs nautobot.setup() first)

    token = os.environ["NAUTOBOT_SSOT_REMOTE_TOKEN"]
    demo_inventory.ensure_api_user(os.getenv("NAUTOBOT_SSOT_ADMIN_USERNAME", "admin"), token)
    counts = demo_inventory.load_inventory()
    print("Remote demo inventory: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")


def main() -> None:
    """Set up Nautobot and load everything the development environment needs."""
    nautobot.setup()
    if os.getenv("NAUTOBOT_SSOT_DEMO_ROLE") == "remote":
        seed_remote()
        return
    username = os.getenv("NAUTOBOT_SSOT_ADMIN_USERNAME", "admin")
    outcome = ensure_admin_user(
        username,
        os.getenv("NAUTOBOT_SSOT_ADMIN_PASSWORD", "admin"),
        os.getenv("NAUTOBOT_SSOT_ADMIN_EMAIL", "admin@example.com"),
    )
    print(f"Admin user {username!r}: {outcome}.")
    if is_truthy(os.getenv("NAUTOBOT_SSOT_DEMO_DATA", "true")):
        print(f"App jobs enabled: {enable_app_jobs()}.")
        load_demo_data()


if __name__ == "__main__":
    main()
