"""The network workload of ``benchmark.py``: devices, interfaces with IP addresses, prefixes, VLANs (needs Django).

N devices of a device type whose console and power port templates give each device two components when it is
created; 16 interfaces per device, each with one IP address assigned to it; one /24 prefix per device (the
addresses' parent, a pool in the Global namespace) and one VLAN per device. Update: 10% of the devices (serial)
and of the interfaces (description). Delete: the interfaces and IP addresses of 10% of the devices.
"""

from __future__ import annotations

from diffsync import Adapter
from django.contrib.contenttypes.models import ContentType
from nautobot.dcim.models import (
    ConsolePortTemplate,
    Device,
    DeviceType,
    Interface,
    Location,
    LocationType,
    Manufacturer,
    PowerPortTemplate,
)
from nautobot.extras.models import ObjectChange, Role, Status
from nautobot.ipam.models import VLAN, IPAddress, Prefix, VLANGroup

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.typeddicts import IPAddressDict

PREFIX = "bench"
INTERFACES = 16
Records = dict[str, list[dict]]


class NetVLAN(NautobotModel):
    """A VLAN of the benchmark's group."""

    _model = VLAN
    _modelname = "vlan"
    _identifiers = ("vid", "vlan_group__name")
    _attributes = ("name", "status__name")

    vid: int
    vlan_group__name: str
    name: str
    status__name: str = "Active"

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's VLANs."""
        return VLAN.objects.filter(vlan_group__name=f"{PREFIX}-vlans")


class NetPrefix(NautobotModel):
    """A device's /24 (a pool, which marks the benchmark's prefixes in the Global namespace)."""

    _model = Prefix
    _modelname = "prefix"
    _identifiers = ("network", "prefix_length")
    _attributes = ("type", "status__name", "description")

    network: str
    prefix_length: int
    type: str = "pool"
    status__name: str = "Active"
    description: str = ""

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's prefixes."""
        return Prefix.objects.filter(type="pool")


class NetIPAddress(NautobotModel):
    """An interface's address."""

    _model = IPAddress
    _modelname = "ip_address"
    _identifiers = ("host", "mask_length")
    _attributes = ("status__name",)

    host: str
    mask_length: int
    status__name: str = "Active"

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's addresses (in the Global namespace, under the benchmark's prefixes)."""
        return IPAddress.objects.filter(parent__type="pool")


class NetDevice(NautobotModel):
    """A device (its console and power ports come from its type)."""

    _model = Device
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = ("device_type__model", "role__name", "location__name", "status__name", "serial")

    name: str
    device_type__model: str
    role__name: str
    location__name: str
    status__name: str = "Active"
    serial: str = ""

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's devices."""
        return Device.objects.filter(name__startswith=PREFIX)


class NetInterface(NautobotModel):
    """An interface and its address."""

    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("type", "status__name", "description", "ip_addresses")

    device__name: str
    name: str
    type: str = "1000base-t"
    status__name: str = "Active"
    description: str = ""
    ip_addresses: list[IPAddressDict] = []

    @classmethod
    def get_queryset(cls):
        """Only the benchmark's interfaces."""
        return Interface.objects.filter(device__name__startswith=PREFIX)


class NetTarget(NautobotAdapter):
    """The Nautobot side."""

    vlan = NetVLAN
    prefix = NetPrefix
    ip_address = NetIPAddress
    device = NetDevice
    interface = NetInterface
    top_level = ("vlan", "prefix", "ip_address", "device", "interface")


class NetSource(Adapter):
    """The synthetic source."""

    vlan = NetVLAN
    prefix = NetPrefix
    ip_address = NetIPAddress
    device = NetDevice
    interface = NetInterface
    top_level = ("vlan", "prefix", "ip_address", "device", "interface")


def records(devices: int, phase: str) -> Records:
    """Return the source data of a phase; later phases change and remove some of it."""
    data: Records = {"vlan": [], "prefix": [], "ip_address": [], "device": [], "interface": []}
    for number in range(devices):
        network = f"10.{number // 256}.{number % 256}"
        changed = phase in ("update", "delete") and number % 10 == 0
        removed = phase == "delete" and number % 10 == 5
        data["vlan"].append({"vid": number + 1, "vlan_group__name": f"{PREFIX}-vlans", "name": f"vlan{number}"})
        data["prefix"].append({"network": f"{network}.0", "prefix_length": 24})
        data["device"].append(device_row(number, changed))
        if removed:
            continue
        for port in range(INTERFACES):
            address = {"host": f"{network}.{port + 1}", "mask_length": 24}
            data["ip_address"].append(dict(address))
            interface = {"device__name": f"{PREFIX}-dev{number}", "name": f"eth{port}", "ip_addresses": [address]}
            if changed or (phase in ("update", "delete") and port == 0 and number % 10 == 1):
                interface["description"] = "changed"
            data["interface"].append(interface)
    return data


def device_row(number: int, changed: bool) -> dict:
    """One device's row."""
    return {
        "name": f"{PREFIX}-dev{number}",
        "device_type__model": f"{PREFIX}-router",
        "role__name": f"{PREFIX}-router",
        "location__name": f"{PREFIX}-site",
        "serial": "changed" if changed else f"S{number}",
    }


def phase_size(devices: int, phase: str) -> int:
    """Objects a phase writes (or, for the no-op phase, reads)."""
    if phase in ("create", "no-op"):
        return devices * (3 + 2 * INTERFACES)
    changed = len(range(0, devices, 10))
    if phase == "update":
        return changed * (1 + INTERFACES) + len(range(1, devices, 10))
    return len(range(5, devices, 10)) * 2 * INTERFACES


def make_fixtures() -> None:
    """Create the location, device type (with component templates), role, namespace and VLAN group."""
    active = Status.objects.get(name="Active")
    for model in (Device, Interface, IPAddress, Prefix, VLAN, Location):
        active.content_types.add(ContentType.objects.get_for_model(model))
    location_type, _ = LocationType.objects.get_or_create(name=f"{PREFIX}-dc")
    location_type.content_types.add(ContentType.objects.get_for_model(Device))
    Location.objects.get_or_create(name=f"{PREFIX}-site", defaults={"location_type": location_type, "status": active})
    manufacturer, _ = Manufacturer.objects.get_or_create(name=f"{PREFIX}-vendor")
    device_type, created = DeviceType.objects.get_or_create(model=f"{PREFIX}-router", manufacturer=manufacturer)
    if created:
        ConsolePortTemplate.objects.create(device_type=device_type, name="con0")
        PowerPortTemplate.objects.create(device_type=device_type, name="psu0")
    role, _ = Role.objects.get_or_create(name=f"{PREFIX}-router")
    role.content_types.add(ContentType.objects.get_for_model(Device))
    VLANGroup.objects.get_or_create(name=f"{PREFIX}-vlans")


def clean_up(user_name: str) -> None:
    """Remove every object of the workload and the change records (not measured)."""
    Device.objects.filter(name__startswith=PREFIX).delete()
    IPAddress.objects.filter(parent__type="pool").delete()
    Prefix.objects.filter(type="pool").delete()
    VLAN.objects.filter(vlan_group__name=f"{PREFIX}-vlans").delete()
    ObjectChange.objects.filter(user_name=user_name).delete()


NETWORK_TABLES = (Device, Interface, IPAddress, Prefix, VLAN)
"""Tables the network workload writes (vacuumed between paths)."""


def network_workload() -> object:
    """The workload as ``benchmark_sync`` runs it."""
    from benchmark_sync import Workload  # noqa: PLC0415  (benchmark_sync imports this module lazily)

    return Workload("devices", NetSource, NetTarget, records, phase_size, NETWORK_TABLES)


NETWORK = network_workload()
