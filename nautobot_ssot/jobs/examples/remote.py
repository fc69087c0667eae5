"""The remote side of the example jobs: a diffsync adapter reading and writing a remote Nautobot over REST.

Reading asks each list endpoint for its objects at depth 0 (related objects come as ``{"id": ...}``), in an
order where every object comes after the objects it refers to, and translates each record into the same
fields as the Nautobot side: a foreign key ``location__parent__name`` is read from the already loaded
location the record points at. Writing does the reverse: the fields of a diffsync object become a REST
payload, with related objects turned back into the ids of the remote objects they name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from diffsync import Adapter, DiffSyncModel
from diffsync.exceptions import ObjectNotCreated, ObjectNotDeleted, ObjectNotUpdated

from nautobot_ssot.contrib import NautobotModel
from nautobot_ssot.jobs.examples import models
from nautobot_ssot.jobs.examples.client import RemoteAPIError, RemoteNautobotClient
from nautobot_ssot.jobs.examples.scope import Scope


class MissingReference(KeyError):
    """A record refers to an object that was not loaded (outside the scope of the run)."""


@dataclass(frozen=True)
class RemoteEndpoint:
    """Where and how one model lives in the remote Nautobot's REST API.

    Attributes:
        path: The list endpoint, such as ``dcim/locations``.
        references: For each foreign key (the part of a field name before ``__``), the model name of the object
            it points at (a model of the adapter, or ``status`` / ``namespace``).
        custom_fields: Fields stored in a custom field, by custom field key.
        tree: Records refer to a parent of their own kind, so parents are read first.
        joined: Payload fields written as ``a/b`` from two fields (``prefix`` from network and length).
        generic: A generic foreign key (``<generic>_type`` and ``<generic>_id`` in the REST API), if any.
    """

    path: str
    references: Mapping[str, str] = field(default_factory=dict)
    custom_fields: Mapping[str, str] = field(default_factory=dict)
    tree: bool = False
    joined: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    generic: str = ""


STATUS = {"status": "status"}
ENDPOINTS: dict[str, RemoteEndpoint] = {
    "tag": RemoteEndpoint("extras/tags"),
    "location_type": RemoteEndpoint("dcim/location-types", {"parent": "location_type"}, tree=True),
    "tenant_group": RemoteEndpoint("tenancy/tenant-groups", {"parent": "tenant_group"}, tree=True),
    "tenant": RemoteEndpoint("tenancy/tenants", {"tenant_group": "tenant_group"}),
    "location": RemoteEndpoint(
        "dcim/locations",
        {"parent": "location", "location_type": "location_type", "tenant": "tenant", **STATUS},
        tree=True,
    ),
    "role": RemoteEndpoint("extras/roles"),
    "manufacturer": RemoteEndpoint("dcim/manufacturers"),
    "device_type": RemoteEndpoint("dcim/device-types", {"manufacturer": "manufacturer"}),
    "platform": RemoteEndpoint("dcim/platforms", {"manufacturer": "manufacturer"}),
    "vlan_group": RemoteEndpoint("ipam/vlan-groups"),
    "vlan": RemoteEndpoint("ipam/vlans", {"vlan_group": "vlan_group", "tenant": "tenant", **STATUS}),
    "prefix": RemoteEndpoint(
        "ipam/prefixes",
        {"namespace": "namespace", "tenant": "tenant", **STATUS},
        joined={"prefix": ("network", "prefix_length")},
    ),
    "ip_address": RemoteEndpoint(
        "ipam/ip-addresses", {"tenant": "tenant", **STATUS}, joined={"address": ("host", "mask_length")}
    ),
    "device": RemoteEndpoint(
        "dcim/devices",
        {
            "device_type": "device_type",
            "role": "role",
            "platform": "platform",
            "location": "location",
            "tenant": "tenant",
            **STATUS,
        },
        custom_fields={"support_tier": models.SUPPORT_TIER_KEY},
    ),
    "interface": RemoteEndpoint("dcim/interfaces", {"device": "device", **STATUS}),
    "contact": RemoteEndpoint("extras/contacts"),
    "contact_association": RemoteEndpoint(
        "extras/contact-associations", {"contact": "contact", "role": "role", **STATUS}, generic="associated_object"
    ),
}
"""How each model of the examples is read from and written to the remote Nautobot."""

LOOKUP_ENDPOINTS = {"status": "extras/statuses", "namespace": "ipam/namespaces"}
"""Objects that are not synced but referred to by name."""

ASSIGNMENTS = "ipam/ip-address-to-interface"
"""The endpoint that puts IP addresses on interfaces."""

GENERIC_TARGETS = {"dcim.location": "location", "dcim.device": "device", "tenancy.tenant": "tenant"}
"""The models a generic foreign key may point at, by content type (objects of other types are not loaded)."""


class RemoteIndex:
    """The values of every remote object loaded or written in this run, by remote id, and the reverse lookup."""

    def __init__(self) -> None:
        """Start empty."""
        self._values: dict[str, tuple[str, dict]] = {}
        self._finders: dict[tuple[str, tuple[str, ...]], dict[tuple, str]] = {}
        self.assignments: dict[str, dict[str, str]] = {}
        """For each interface id: the ids of its IP addresses, each with the id of its assignment."""

    def add(self, kind: str, object_id: str, values: Mapping[str, Any]) -> None:
        """Remember one object of model ``kind`` (and forget the reverse lookups of that kind)."""
        self._values[object_id] = (kind, dict(values))
        self._finders = {key: finder for key, finder in self._finders.items() if key[0] != kind}

    def remove(self, object_id: str) -> None:
        """Forget one object."""
        kind, _ = self._values.pop(object_id, (None, None))
        self._finders = {key: finder for key, finder in self._finders.items() if key[0] != kind}

    def values(self, object_id: str) -> dict:
        """The values of the object with this id.

        Raises:
            MissingReference: It was not loaded.
        """
        try:
            return self._values[object_id][1]
        except KeyError:
            raise MissingReference(object_id) from None

    def find(self, kind: str, lookups: Mapping[str, Any]) -> Optional[str]:
        """The id of the ``kind`` object whose values match ``lookups``, if there is one."""
        names = tuple(sorted(lookups))
        finder = self._finders.get((kind, names))
        if finder is None:
            entries = [(object_id, values) for object_id, (k, values) in self._values.items() if k == kind]
            finder = {tuple(values.get(name) for name in names): object_id for object_id, values in entries}
            self._finders[(kind, names)] = finder
        return finder.get(tuple(lookups[name] for name in names))


def _plain(value: Any) -> Any:
    """A choice field comes as ``{"value": ..., "label": ...}``; keep its value."""
    return value["value"] if isinstance(value, dict) and "value" in value else value


def _parents_first(records: list[dict]) -> list[dict]:
    """Order records of a tree so that each comes after its parent."""
    placed: set[str] = set()
    ordered: list[dict] = []
    pending = list(records)
    while pending:
        ready = [r for r in pending if not r.get("parent") or r["parent"]["id"] in placed]
        if not ready:
            return ordered + pending  # a parent outside the list: leave the rest as it is
        ordered.extend(ready)
        placed.update(r["id"] for r in ready)
        pending = [r for r in pending if r["id"] not in placed]
    return ordered


class RemoteWrites:
    """Writes of a model of the remote adapter: create, update and delete over the REST API.

    Put it before the NautobotModel class: ``class RemoteTag(RemoteWrites, TagModel)``. A failed request
    fails that object only, with the remote's own message.
    """

    @classmethod
    def create(cls, adapter: RemoteNautobotAdapter, ids: dict, attrs: dict) -> Optional[DiffSyncModel]:
        """Create the object on the remote, then in the adapter."""
        values = {**ids, **attrs}
        endpoint = ENDPOINTS[cls._modelname]
        try:
            body = adapter.payload(cls, values, values)
            if cls._modelname == "ip_address":
                body["namespace"] = adapter._required_id("namespace", {"name": "Global"})  # noqa: SLF001
            record = adapter.client.create(endpoint.path, body)
            adapter.index.add(cls._modelname, record["id"], values)
            cls._write_assignments(adapter, record["id"], values)
        except RemoteAPIError as error:
            raise ObjectNotCreated(f"{cls._modelname} {ids}: {error}") from error
        return super(NautobotModel, cls).create(adapter, ids, attrs)

    def update(self, attrs: dict) -> Optional[DiffSyncModel]:
        """Change the changed fields on the remote, then in the adapter."""
        adapter: RemoteNautobotAdapter = self.adapter
        values = {**self.get_identifiers(), **self.get_attrs(), **attrs}
        try:
            object_id = adapter.remote_id(self)
            body = adapter.payload(type(self), values, attrs)
            if body:
                adapter.client.update(ENDPOINTS[self._modelname].path, object_id, body)
            adapter.index.add(self._modelname, object_id, values)
            self._write_assignments(adapter, object_id, attrs)
        except RemoteAPIError as error:
            raise ObjectNotUpdated(f"{self._modelname} {self.get_identifiers()}: {error}") from error
        return super(NautobotModel, self).update(attrs)

    def delete(self) -> Optional[DiffSyncModel]:
        """Delete the object on the remote, then in the adapter."""
        adapter: RemoteNautobotAdapter = self.adapter
        try:
            object_id = adapter.remote_id(self)
            adapter.client.delete(ENDPOINTS[self._modelname].path, object_id)
        except RemoteAPIError as error:
            raise ObjectNotDeleted(f"{self._modelname} {self.get_identifiers()}: {error}") from error
        adapter.index.remove(object_id)
        return super(NautobotModel, self).delete()

    @classmethod
    def _write_assignments(cls, adapter: RemoteNautobotAdapter, interface_id: str, values: Mapping) -> None:
        """Make the IP addresses on an interface exactly those of ``values["ip_addresses"]`` (when given)."""
        if "ip_addresses" not in values:
            return
        wanted = {adapter._required_id("ip_address", ip) for ip in values["ip_addresses"]}  # noqa: SLF001
        current = adapter.index.assignments.setdefault(interface_id, {})
        for ip_id in wanted - set(current):
            record = adapter.client.create(ASSIGNMENTS, {"ip_address": ip_id, "interface": interface_id})
            current[ip_id] = record["id"]
        for ip_id in set(current) - wanted:
            adapter.client.delete(ASSIGNMENTS, current.pop(ip_id))


class RemoteTag(RemoteWrites, models.TagModel):
    """Tag in the remote Nautobot."""


class RemoteLocationType(RemoteWrites, models.LocationTypeModel):
    """LocationType in the remote Nautobot."""


class RemoteTenantGroup(RemoteWrites, models.TenantGroupModel):
    """TenantGroup in the remote Nautobot."""


class RemoteTenant(RemoteWrites, models.TenantModel):
    """Tenant in the remote Nautobot."""


class RemoteLocation(RemoteWrites, models.LocationModel):
    """Location in the remote Nautobot."""


class RemoteRole(RemoteWrites, models.RoleModel):
    """Role in the remote Nautobot."""


class RemoteManufacturer(RemoteWrites, models.ManufacturerModel):
    """Manufacturer in the remote Nautobot."""


class RemoteDeviceType(RemoteWrites, models.DeviceTypeModel):
    """DeviceType in the remote Nautobot."""


class RemotePlatform(RemoteWrites, models.PlatformModel):
    """Platform in the remote Nautobot."""


class RemoteVLANGroup(RemoteWrites, models.VLANGroupModel):
    """VLANGroup in the remote Nautobot."""


class RemoteVLAN(RemoteWrites, models.VLANModel):
    """VLAN in the remote Nautobot."""


class RemotePrefix(RemoteWrites, models.PrefixModel):
    """Prefix in the remote Nautobot."""


class RemoteIPAddress(RemoteWrites, models.IPAddressModel):
    """IPAddress in the remote Nautobot."""


class RemoteInterface(RemoteWrites, models.InterfaceModel):
    """Interface in the remote Nautobot."""


class RemoteDevice(RemoteWrites, models.DeviceModel):
    """Device in the remote Nautobot."""


class RemoteContact(RemoteWrites, models.ContactModel):
    """Contact in the remote Nautobot."""


class RemoteContactAssociation(RemoteWrites, models.ContactAssociationModel):
    """ContactAssociation in the remote Nautobot."""


class RemoteNautobotAdapter(Adapter):
    """Diffsync adapter for a remote Nautobot, over its REST API (see the module docstring).

    Attributes:
        client: The REST client.
        scope: What part of the data is loaded.
        index: The remote objects of this run, by id.
        skipped: How many records were left out because they refer to objects outside the scope.
    """

    tag = RemoteTag
    location_type = RemoteLocationType
    tenant_group = RemoteTenantGroup
    tenant = RemoteTenant
    location = RemoteLocation
    role = RemoteRole
    manufacturer = RemoteManufacturer
    device_type = RemoteDeviceType
    platform = RemotePlatform
    vlan_group = RemoteVLANGroup
    vlan = RemoteVLAN
    prefix = RemotePrefix
    ip_address = RemoteIPAddress
    device = RemoteDevice
    interface = RemoteInterface
    contact = RemoteContact
    contact_association = RemoteContactAssociation
    top_level = list(models.TOP_LEVEL)

    def __init__(self, *args: Any, client: RemoteNautobotClient, scope: Optional[Scope] = None, **kwargs: Any):
        """Create the adapter without loading anything yet."""
        super().__init__(*args, **kwargs)
        self.client = client
        self.scope = scope or Scope()
        self.index = RemoteIndex()
        self.skipped = 0

    def load(self) -> None:
        """Load every model from the remote Nautobot, each after the models it refers to.

        Raises:
            RemoteAPIError: A request failed.
        """
        for kind, path in LOOKUP_ENDPOINTS.items():
            for record in self.client.get_all(path):
                self.index.add(kind, record["id"], {"name": record["name"]})
        for record in self.client.get_all(ASSIGNMENTS):
            if record.get("interface"):
                assigned = self.index.assignments.setdefault(record["interface"]["id"], {})
                assigned[record["ip_address"]["id"]] = record["id"]
        for model_class in models.MODELS:
            self._load_model(self._remote_class(model_class._modelname))

    def _remote_class(self, modelname: str) -> type[NautobotModel]:
        return getattr(self, modelname)

    def _load_model(self, model_class: type[NautobotModel]) -> None:
        modelname = model_class._modelname
        endpoint = ENDPOINTS[modelname]
        records = list(self.client.get_all(endpoint.path, self.scope.remote_filters(modelname)))
        for record in _parents_first(records) if endpoint.tree else records:
            try:
                values = self.read_record(model_class, record)
            except MissingReference:
                self.skipped += 1
                continue
            self.index.add(modelname, record["id"], values)
            instance = model_class(**values)
            self.add(instance)
            if modelname == "interface":
                self.get("device", values["device__name"]).add_child(instance)

    def read_record(self, model_class: type[NautobotModel], record: Mapping[str, Any]) -> dict[str, Any]:
        """Translate one REST record into the fields of ``model_class``.

        Raises:
            MissingReference: The record refers to an object that was not loaded.
        """
        endpoint = ENDPOINTS[model_class._modelname]
        return {name: self._read_field(name, endpoint, record) for name in self._field_names(model_class)}

    @staticmethod
    def _field_names(model_class: type[NautobotModel]) -> tuple[str, ...]:
        return (*model_class._identifiers, *model_class._attributes)

    def _read_field(self, name: str, endpoint: RemoteEndpoint, record: Mapping[str, Any]) -> Any:
        reader = self._readers().get(name)
        if reader is not None:
            return reader(record)
        if name in endpoint.custom_fields:
            return (record.get("custom_fields") or {}).get(endpoint.custom_fields[name])
        relation, _, lookup = name.partition("__")
        if lookup and relation == endpoint.generic:
            return self._read_generic(relation, lookup, record)
        if lookup and relation in endpoint.references:
            related = record.get(relation)
            return None if related is None else self.index.values(related["id"])[lookup]
        return _plain(record.get(name))

    def _read_generic(self, relation: str, lookup: str, record: Mapping[str, Any]) -> Any:
        """One field of a generic foreign key: the type's ``app_label`` or ``model``, or a lookup on the object."""
        content_type = record[f"{relation}_type"]
        if lookup in ("app_label", "model"):
            return dict(zip(("app_label", "model"), content_type.split("."), strict=True))[lookup]
        if content_type not in GENERIC_TARGETS:
            raise MissingReference(content_type)
        return self.index.values(record[f"{relation}_id"])[lookup]

    def _readers(self) -> dict[str, Callable[[Mapping[str, Any]], Any]]:
        """Fields read in their own way: to-many relations."""
        return {
            "tags": lambda record: [{"name": self.index.values(tag["id"])["name"]} for tag in record["tags"]],
            "content_types": lambda record: [
                dict(zip(("app_label", "model"), label.split("."), strict=True)) for label in record["content_types"]
            ],
            "ip_addresses": lambda record: [
                {"host": ip["host"], "mask_length": ip["mask_length"]}
                for ip in map(self.index.values, self.index.assignments.get(record["id"], {}))
            ],
        }

    def payload(self, model_class: type[NautobotModel], values: Mapping[str, Any], names: Iterable[str]) -> dict:
        """The REST payload writing the fields ``names`` of an object whose fields are ``values``.

        Raises:
            RemoteAPIError: A related object named in ``values`` does not exist on the remote.
        """
        endpoint = ENDPOINTS[model_class._modelname]
        body: dict[str, Any] = {}
        for name in names:
            relation, _, lookup = name.partition("__")
            if name in endpoint.custom_fields:
                body.setdefault("custom_fields", {})[endpoint.custom_fields[name]] = values[name]
            elif lookup and relation == endpoint.generic:
                body.update(self._generic_payload(model_class, relation, values))
            elif lookup and relation in endpoint.references:
                body[relation] = self._related_id(model_class, endpoint.references[relation], relation, values)
            elif name == "tags":
                body["tags"] = [self._required_id("tag", tag) for tag in values["tags"]]
            elif name == "content_types":
                body["content_types"] = [f"{ct['app_label']}.{ct['model']}" for ct in values["content_types"]]
            elif name != "ip_addresses":
                body[name] = values[name]
        for target, (first, second) in endpoint.joined.items():
            if first in body or second in body:
                body[target] = f"{values[first]}/{values[second]}"
                body.pop(first, None)
                body.pop(second, None)
        return body

    def _generic_payload(self, model_class: type[NautobotModel], relation: str, values: Mapping) -> dict[str, str]:
        """The ``<relation>_type`` and ``<relation>_id`` of the object the ``relation__*`` fields name."""
        content_type = f"{values[f'{relation}__app_label']}.{values[f'{relation}__model']}"
        if content_type not in GENERIC_TARGETS:
            raise RemoteAPIError(f"The example does not write {relation} of type {content_type}.")
        prefix = f"{relation}__"
        lookups = {
            name[len(prefix) :]: values[name]
            for name in self._field_names(model_class)
            if name.startswith(prefix) and name not in (f"{prefix}app_label", f"{prefix}model")
        }
        return {
            f"{relation}_type": content_type,
            f"{relation}_id": self._required_id(GENERIC_TARGETS[content_type], lookups),
        }

    def _related_id(self, model_class: type[NautobotModel], kind: str, relation: str, values: Mapping) -> Any:
        """The remote id of the object that the ``relation__*`` fields of ``values`` name (None when all are None)."""
        prefix = f"{relation}__"
        lookups = {
            name[len(prefix) :]: values[name] for name in self._field_names(model_class) if name.startswith(prefix)
        }
        if all(value is None for value in lookups.values()):
            return None
        return self._required_id(kind, lookups)

    def _required_id(self, kind: str, lookups: Mapping[str, Any]) -> str:
        object_id = self.index.find(kind, lookups)
        if object_id is None:
            raise RemoteAPIError(f"The remote Nautobot has no {kind} with {dict(lookups)}.")
        return object_id

    def remote_id(self, instance: DiffSyncModel) -> str:
        """The remote id of a loaded or created object.

        Raises:
            RemoteAPIError: The object is not known on the remote.
        """
        return self._required_id(instance.get_type(), instance.get_identifiers())
