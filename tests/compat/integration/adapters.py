"""The integration's adapters: the remote system (a plain diffsync adapter) and Nautobot."""

from diffsync import Adapter

from nautobot_ssot.contrib import NautobotAdapter
from nautobot_ssot.exceptions import AdapterLoadException
from nautobot_ssot.utils import parse_hostname_for_role
from tests.compat.integration.models import DeviceModel, TenantModel

REMOTE: dict[str, list[dict]] = {"tenants": [], "devices": []}
"""What the remote system holds; tests fill it."""

ROLE_MAP = [(r"^sw-", "Compat Switch")]
"""Device role by hostname pattern."""


class RemoteAdapter(Adapter):
    """Loads tenants and devices from ``REMOTE``."""

    tenant = TenantModel
    device = DeviceModel
    top_level = ("tenant", "device")

    def __init__(self, *args, job, **kwargs):
        """Keep the job, for logging."""
        super().__init__(*args, **kwargs)
        self.job = job

    def load(self):
        """Load every tenant and device of the remote system.

        Raises:
            AdapterLoadException: A record has no name.
        """
        for record in REMOTE["tenants"]:
            if not record.get("name"):
                raise AdapterLoadException(f"Remote tenant without a name: {record}")
            self.add(self.tenant(**record))
        for record in REMOTE["devices"]:
            role = parse_hostname_for_role(ROLE_MAP, record["name"], "Compat Other")
            self.add(self.device(role__name=role, **record))
        self.job.logger.info("Loaded %s tenants from the remote system.", len(REMOTE["tenants"]))


class NautobotTargetAdapter(NautobotAdapter):
    """Loads the integration's tenants and devices from Nautobot."""

    tenant = TenantModel
    device = DeviceModel
    top_level = ("tenant", "device")
