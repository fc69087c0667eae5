"""The integration's job, written the nautobot-ssot 4.7 way."""

from nautobot.apps.jobs import register_jobs

from nautobot_ssot.contrib.sorting import sort_relationships
from nautobot_ssot.jobs.base import DataMapping, DataSource
from tests.compat.integration.adapters import NautobotTargetAdapter, RemoteAdapter
from tests.compat.integration.models import DeviceModel, TenantModel


class CompatRemoteDataSource(DataSource):
    """Sync tenants and devices from the remote system into Nautobot."""

    skip_auto_component_creation = True

    class Meta:
        """Job metadata."""

        name = "Compat remote to Nautobot"
        data_source = "Compat remote"

    def load_source_adapter(self):
        """Load the remote system."""
        self.source_adapter = RemoteAdapter(job=self)
        self.source_adapter.load()

    def load_target_adapter(self):
        """Load Nautobot."""
        self.target_adapter = NautobotTargetAdapter(job=self, sync=self.sync)
        self.target_adapter.load()

    def calculate_diff(self):
        """Sort the tag lists of both sides, then diff."""
        sort_relationships(self.source_adapter, self.target_adapter)
        super().calculate_diff()

    @classmethod
    def data_mappings(cls):
        """What maps onto what."""
        return (
            DataMapping("Tenant", None, "Tenant", None),
            DataMapping("Device", None, "Device", None),
        )

    def run(self, *args, **kwargs):
        """Accept every variable, as 4.7 jobs do."""
        super().run(*args, **kwargs)


jobs = [CompatRemoteDataSource]
register_jobs(*jobs)

__all__ = ("CompatRemoteDataSource", "DeviceModel", "TenantModel")
