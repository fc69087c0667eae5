"""Example jobs syncing with a remote Nautobot over its REST API: Example Data Source and Example Data Target.

``jobs`` lists them; ``nautobot_ssot.jobs`` registers them unless ``hide_example_jobs`` is set. They are
defined in this package itself so that their class paths (``nautobot_ssot.jobs.examples.ExampleDataSource``)
are those of nautobot-ssot 4.x: Job records and schedules of a 4.x installation keep pointing at them.
The tutorial in the developer docs builds a small integration step by step from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

from diffsync.exceptions import ObjectNotFound
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.db.models import Model
from django.urls import reverse
from django.utils.text import capfirst
from nautobot.apps.jobs import ObjectVar, StringVar
from nautobot.extras.models import ExternalIntegration

from nautobot_ssot.contrib import NautobotAdapter, RelatedObjectLookupError
from nautobot_ssot.jobs.base import DataMapping, DataSource, DataTarget
from nautobot_ssot.jobs.examples import models
from nautobot_ssot.jobs.examples.client import PAGE_SIZE, RemoteNautobotClient
from nautobot_ssot.jobs.examples.nautobot import (
    ExampleNautobotAdapter,
    custom_field_exists,
    ensure_custom_field,
)
from nautobot_ssot.jobs.examples.remote import ENDPOINTS, RemoteNautobotAdapter
from nautobot_ssot.jobs.examples.scope import Scope

name = "SSoT Examples"  # the group the jobs are listed under

LIST_VIEWS = {
    "tag": "extras:tag_list",
    "location_type": "dcim:locationtype_list",
    "tenant_group": "tenancy:tenantgroup_list",
    "tenant": "tenancy:tenant_list",
    "location": "dcim:location_list",
    "role": "extras:role_list",
    "manufacturer": "dcim:manufacturer_list",
    "device_type": "dcim:devicetype_list",
    "platform": "dcim:platform_list",
    "vlan_group": "ipam:vlangroup_list",
    "vlan": "ipam:vlan_list",
    "prefix": "ipam:prefix_list",
    "ip_address": "ipam:ipaddress_list",
    "device": "dcim:device_list",
    "interface": "dcim:interface_list",
    "contact": "extras:contact_list",
    "contact_association": None,
}
"""This Nautobot's list view of each model of the examples (contact associations have none)."""


def _title(modelname: str) -> str:
    """The verbose name of the Nautobot model behind a model name, such as "IP address" or "Location type"."""
    model = next(model for model in models.MODELS if model._modelname == modelname)
    return capfirst(model._model._meta.verbose_name)


class RemoteNautobotJobMixin:
    """What both example jobs share: the job variables, the two adapters, and their description."""

    integration = ObjectVar(
        model=ExternalIntegration,
        description="The remote Nautobot: its URL, timeout, TLS check, and the secrets group holding its API token "
        "(access type HTTP(S), secret type Token).",
    )
    location = StringVar(
        required=False,
        description="Only the devices at this location (its name) or below it. Empty: all devices.",
    )
    tenant = StringVar(required=False, description="Only the devices and VLANs of this tenant (its name). Empty: all.")

    def run(self, *args: Any, integration: Optional[ExternalIntegration] = None, **kwargs: Any) -> dict[str, int]:
        """Keep the integration and the scope of this run, then run the sync."""
        self.remote_integration = integration
        self.scope = Scope(location=kwargs.pop("location", "") or "", tenant=kwargs.pop("tenant", "") or "")
        return super().run(*args, **kwargs)

    def remote_adapter(self) -> RemoteNautobotAdapter:
        """Load and return the remote Nautobot's data, as far as the scope goes."""
        client = RemoteNautobotClient.from_integration(self.remote_integration)
        self.logger.info("Reading %s (%s) for %s.", self.remote_integration.name, client.url, self.scope.describe())
        adapter = RemoteNautobotAdapter(client=client, scope=self.scope)
        adapter.load()
        if adapter.skipped:
            self.logger.info("Left out %s remote object(s) that belong to objects outside the scope.", adapter.skipped)
        return adapter

    def local_adapter(self) -> ExampleNautobotAdapter:
        """Load and return this Nautobot's data, as far as the scope goes."""
        self.provide_custom_field()
        adapter = ExampleNautobotAdapter(job=self, sync=self.sync, scope=self.scope)
        adapter.load()
        return adapter

    def provide_custom_field(self) -> None:
        """Create the devices' custom field the examples use, unless it exists; a dry run only says it would."""
        key = models.SUPPORT_TIER_KEY
        if self.dryrun:
            if not custom_field_exists():
                self.logger.info("A real run would create the custom field %r on devices; this dry run did not.", key)
        elif ensure_custom_field():
            self.logger.info("Created the custom field %r on devices, used by the examples.", key)

    def local_object(self, adapter: Optional[NautobotAdapter], model_name: str, unique_id: str) -> Optional[Model]:
        """The object of this Nautobot that a diffsync object of ``adapter`` stands for, if it exists."""
        if adapter is None:
            return None
        try:
            return adapter.get(model_name, unique_id).get_from_db()
        except (ObjectNotFound, RelatedObjectLookupError, ObjectDoesNotExist, MultipleObjectsReturned):
            return None

    @classmethod
    def example_configuration(cls) -> dict[str, Any]:
        """What the data source and data target pages show about the examples (never the token)."""
        integrations = ExternalIntegration.objects.order_by("name").values_list("name", "remote_url")
        return {
            "Remote API": "Nautobot REST API, token from the integration's secrets group",
            "External integrations": ", ".join(f"{name} ({url})" for name, url in integrations) or "none yet",
            "Page size": PAGE_SIZE,
            "Scope": "per run: location and/or tenant (devices with their interfaces, VLANs)",
            "Models": ", ".join(_title(model._modelname) for model in models.MODELS),
        }

    @classmethod
    def mappings(cls, remote_first: bool) -> Iterable[DataMapping]:
        """One mapping per model, between the remote endpoint and this Nautobot's list view."""
        for model in models.MODELS:
            remote_name = f"{_title(model._modelname)} (/api/{ENDPOINTS[model._modelname].path}/)"
            view = LIST_VIEWS[model._modelname]
            local_name, local_url = _title(model._modelname), reverse(view) if view else None
            if remote_first:
                yield DataMapping(remote_name, None, local_name, local_url)
            else:
                yield DataMapping(local_name, local_url, remote_name, None)


class ExampleDataSource(RemoteNautobotJobMixin, DataSource):
    """Sync a remote Nautobot's inventory into this Nautobot, over the remote's REST API."""

    class Meta:
        """Job options."""

        name = "Example Data Source"
        description = (
            "Sync locations, tenants, devices, interfaces, IP addresses, VLANs and more from a remote Nautobot."
        )
        data_source = "Remote Nautobot (example)"
        has_sensitive_variables = False

    def load_source_adapter(self) -> None:
        """Load the remote Nautobot."""
        self.source_adapter = self.remote_adapter()

    def load_target_adapter(self) -> None:
        """Load this Nautobot."""
        self.target_adapter = self.local_adapter()

    @classmethod
    def data_mappings(cls) -> Iterable[DataMapping]:
        """Each remote endpoint and the Nautobot model it becomes."""
        return list(cls.mappings(remote_first=True))

    @classmethod
    def config_information(cls) -> dict[str, Any]:
        """The examples' configuration (never secrets)."""
        return cls.example_configuration()


class ExampleDataTarget(RemoteNautobotJobMixin, DataTarget):
    """Push this Nautobot's inventory to a remote Nautobot: create, update and delete over its REST API."""

    class Meta:
        """Job options."""

        name = "Example Data Target"
        description = "Sync locations, tenants, devices, interfaces, IP addresses, VLANs and more to a remote Nautobot."
        data_target = "Remote Nautobot (example)"
        has_sensitive_variables = False

    def load_source_adapter(self) -> None:
        """Load this Nautobot."""
        self.source_adapter = self.local_adapter()

    def load_target_adapter(self) -> None:
        """Load the remote Nautobot."""
        self.target_adapter = self.remote_adapter()

    def lookup_object(self, model_name: str, unique_id: str) -> Optional[Model]:
        """The object of this Nautobot a log entry is about."""
        return self.local_object(self.source_adapter, model_name, unique_id)

    @classmethod
    def data_mappings(cls) -> Iterable[DataMapping]:
        """Each Nautobot model and the remote endpoint it is written to."""
        return list(cls.mappings(remote_first=False))

    @classmethod
    def config_information(cls) -> dict[str, Any]:
        """The examples' configuration (never secrets)."""
        return cls.example_configuration()


jobs = [ExampleDataSource, ExampleDataTarget]
