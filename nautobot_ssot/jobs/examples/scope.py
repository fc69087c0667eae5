"""The part of the data an example run loads, applied with the same Nautobot filters on both sides."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from nautobot.core.utils.lookup import get_filterset_for_model


@dataclass(frozen=True)
class Scope:
    """Load only the devices (with their interfaces) at a location and/or of a tenant, and that tenant's VLANs.

    Both sides filter with Nautobot's own filters of the same names: the remote side through its REST API
    (``?location=...&tenant=...``), the local side through the model's FilterSet. So both sides always hold
    the same part of the data, and what is out of scope is never taken for deleted. Everything else (locations,
    tenants, types, prefixes, IP addresses, ...) is always loaded whole.

    Attributes:
        location: Name of a location; devices there (and at the locations below it).
        tenant: Name of a tenant; its devices and VLANs.
    """

    location: str = ""
    tenant: str = ""

    def remote_filters(self, modelname: str) -> dict[str, str]:
        """The REST API filters of the scope for one model (empty when it is not scoped)."""
        filters = {}
        if modelname == "device" and self.location:
            filters["location"] = self.location
        if modelname in ("device", "vlan") and self.tenant:
            filters["tenant"] = self.tenant
        return filters

    def narrow(self, modelname: str, queryset: QuerySet) -> QuerySet:
        """Apply the same filters to a local queryset, through the model's Nautobot FilterSet."""
        filters = self.remote_filters(modelname)
        if not filters:
            return queryset
        filterset_class = get_filterset_for_model(queryset.model)
        filterset = filterset_class(data={name: [value] for name, value in filters.items()}, queryset=queryset)
        return filterset.qs

    def describe(self) -> str:
        """The scope in words, for the job log."""
        parts = [f"location {self.location!r}"] if self.location else []
        parts += [f"tenant {self.tenant!r}"] if self.tenant else []
        return " and ".join(parts) or "everything"
