"""The diffsync models of the example jobs: which Nautobot data is compared and written, declared with contrib.

Both sides of both example jobs use these classes (the remote side through subclasses that write over REST),
so both sides always compare exactly the same fields. Every contrib field kind used here is explained in the
contrib developer docs:

- plain fields: ``name``, ``description``, ``serial``, ``u_height``, ``mtu``, ...;
- foreign keys through lookups, one or two relations deep: ``location__parent__name``,
  ``device_type__manufacturer__name``;
- to-many relations with ready-made TypedDicts: ``tags: List[TagDict]``, ``content_types``,
  an interface's ``ip_addresses``; a reverse foreign key is not used here;
- a generic foreign key: the object a contact association is about (here a location),
  ``associated_object__app_label`` / ``__model`` / ``__name``;
- a custom field: the device's ``support_tier``;
- children: a device's interfaces are loaded and compared with their device.
"""

from __future__ import annotations

from typing import Annotated, List, Optional

from nautobot.dcim.models import Device, DeviceType, Interface, Location, LocationType, Manufacturer, Platform
from nautobot.extras.models import Contact, ContactAssociation, Role, Tag
from nautobot.ipam.models import VLAN, IPAddress, Prefix, VLANGroup
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.contrib import CustomFieldAnnotation, NautobotModel
from nautobot_ssot.contrib.typeddicts import ContentTypeDict, IPAddressDict, TagDict

SUPPORT_TIER_KEY = "support_tier"
"""Key of the device custom field the examples sync (created on first use, see ``ensure_custom_field``)."""


class TagModel(NautobotModel):
    """A tag and the kinds of objects it may be put on."""

    _model = Tag
    _modelname = "tag"
    _identifiers = ("name",)
    _attributes = ("color", "description", "content_types")

    name: str
    color: str = "9e9e9e"
    description: str = ""
    content_types: List[ContentTypeDict] = []


class LocationTypeModel(NautobotModel):
    """A location type ("Region", "Site"), nested under its parent type."""

    _model = LocationType
    _modelname = "location_type"
    _identifiers = ("name",)
    _attributes = ("parent__name", "nestable", "description", "content_types")

    name: str
    parent__name: Optional[str] = None
    nestable: bool = False
    description: str = ""
    content_types: List[ContentTypeDict] = []


class TenantGroupModel(NautobotModel):
    """A tenant group, nested under its parent group."""

    _model = TenantGroup
    _modelname = "tenant_group"
    _identifiers = ("name",)
    _attributes = ("parent__name", "description")

    name: str
    parent__name: Optional[str] = None
    description: str = ""


class TenantModel(NautobotModel):
    """A tenant, in its group."""

    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("tenant_group__name", "description", "tags")

    name: str
    tenant_group__name: Optional[str] = None
    description: str = ""
    tags: List[TagDict] = []


class LocationModel(NautobotModel):
    """A location of the hierarchy; its name is unique under its parent, so both identify it."""

    _model = Location
    _modelname = "location"
    _identifiers = ("name", "parent__name")
    _attributes = ("location_type__name", "status__name", "tenant__name", "description", "tags")

    name: str
    parent__name: Optional[str] = None
    location_type__name: str
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    description: str = ""
    tags: List[TagDict] = []


class RoleModel(NautobotModel):
    """A role (of devices, IP addresses, ...)."""

    _model = Role
    _modelname = "role"
    _identifiers = ("name",)
    _attributes = ("color", "description", "content_types")

    name: str
    color: str = "9e9e9e"
    description: str = ""
    content_types: List[ContentTypeDict] = []


class ManufacturerModel(NautobotModel):
    """A hardware manufacturer."""

    _model = Manufacturer
    _modelname = "manufacturer"
    _identifiers = ("name",)
    _attributes = ("description",)

    name: str
    description: str = ""


class DeviceTypeModel(NautobotModel):
    """A device type; its model name is unique per manufacturer."""

    _model = DeviceType
    _modelname = "device_type"
    _identifiers = ("model", "manufacturer__name")
    _attributes = ("part_number", "u_height", "is_full_depth")

    model: str
    manufacturer__name: str
    part_number: str = ""
    u_height: int = 1
    is_full_depth: bool = True


class PlatformModel(NautobotModel):
    """A software platform and the network driver that automation uses for it."""

    _model = Platform
    _modelname = "platform"
    _identifiers = ("name",)
    _attributes = ("manufacturer__name", "network_driver", "description")

    name: str
    manufacturer__name: Optional[str] = None
    network_driver: str = ""
    description: str = ""


class VLANGroupModel(NautobotModel):
    """A VLAN group; VLAN ids are unique within it."""

    _model = VLANGroup
    _modelname = "vlan_group"
    _identifiers = ("name",)
    _attributes = ("description",)

    name: str
    description: str = ""


class VLANModel(NautobotModel):
    """A VLAN, identified by its id within its group."""

    _model = VLAN
    _modelname = "vlan"
    _identifiers = ("vid", "vlan_group__name")
    _attributes = ("name", "status__name", "tenant__name", "description", "tags")

    vid: int
    vlan_group__name: Optional[str] = None
    name: str
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    description: str = ""
    tags: List[TagDict] = []


class PrefixModel(NautobotModel):
    """A prefix in a namespace."""

    _model = Prefix
    _modelname = "prefix"
    _identifiers = ("network", "prefix_length", "namespace__name")
    _attributes = ("type", "status__name", "tenant__name", "description", "tags")

    network: str
    prefix_length: int
    namespace__name: str = "Global"
    type: str = "network"
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    description: str = ""
    tags: List[TagDict] = []


class IPAddressModel(NautobotModel):
    """An IP address; the examples keep every address in the Global namespace, under its closest prefix."""

    _model = IPAddress
    _modelname = "ip_address"
    _identifiers = ("host", "mask_length")
    _attributes = ("type", "status__name", "tenant__name", "dns_name", "description", "tags")

    host: str
    mask_length: int
    type: str = "host"
    status__name: str = "Active"
    tenant__name: Optional[str] = None
    dns_name: str = ""
    description: str = ""
    tags: List[TagDict] = []


class InterfaceModel(NautobotModel):
    """A device interface and the IP addresses on it (a child of its device)."""

    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("type", "enabled", "mtu", "description", "status__name", "ip_addresses")

    device__name: str
    name: str
    type: str = "virtual"
    enabled: bool = True
    mtu: Optional[int] = None
    description: str = ""
    status__name: str = "Active"
    ip_addresses: List[IPAddressDict] = []


class DeviceModel(NautobotModel):
    """A device: its type, role, platform, place, tenant, tags, support tier (a custom field) and interfaces."""

    _model = Device
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = (
        "device_type__model",
        "device_type__manufacturer__name",
        "role__name",
        "platform__name",
        "location__name",
        "location__parent__name",
        "tenant__name",
        "status__name",
        "serial",
        "tags",
        "support_tier",
    )
    _children = {"interface": "interfaces"}
    _skip_auto_component_creation = True

    name: str
    device_type__model: str
    device_type__manufacturer__name: str
    role__name: str
    platform__name: Optional[str] = None
    location__name: str
    location__parent__name: Optional[str] = None
    tenant__name: Optional[str] = None
    status__name: str = "Active"
    serial: str = ""
    tags: List[TagDict] = []
    support_tier: Annotated[Optional[str], CustomFieldAnnotation(key=SUPPORT_TIER_KEY)] = None
    interfaces: List[InterfaceModel] = []


class ContactModel(NautobotModel):
    """A contact person."""

    _model = Contact
    _modelname = "contact"
    _identifiers = ("name",)
    _attributes = ("phone", "email")

    name: str
    phone: str = ""
    email: str = ""


class ContactAssociationModel(NautobotModel):
    """A contact's role for an object of any type (a generic foreign key); the examples use locations."""

    _model = ContactAssociation
    _modelname = "contact_association"
    _identifiers = (
        "contact__name",
        "role__name",
        "associated_object__app_label",
        "associated_object__model",
        "associated_object__name",
    )
    _attributes = ("status__name",)

    contact__name: str
    role__name: str
    associated_object__app_label: str
    associated_object__model: str
    associated_object__name: str
    status__name: str = "Active"


MODELS: tuple[type[NautobotModel], ...] = (
    TagModel,
    LocationTypeModel,
    TenantGroupModel,
    TenantModel,
    LocationModel,
    RoleModel,
    ManufacturerModel,
    DeviceTypeModel,
    PlatformModel,
    VLANGroupModel,
    VLANModel,
    PrefixModel,
    IPAddressModel,
    DeviceModel,
    InterfaceModel,
    ContactModel,
    ContactAssociationModel,
)
"""Every model class, each after the ones it refers to (the order the remote side loads them in)."""

TOP_LEVEL: tuple[str, ...] = tuple(model._modelname for model in MODELS if model is not InterfaceModel)
"""The top-level model names of both adapters (interfaces are children of their device)."""
