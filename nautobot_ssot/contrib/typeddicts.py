"""Ready-made TypedDicts for fields typed ``List[...]`` that hold common related Nautobot objects.

Each key is a lookup on the related object, so each dictionary names one object. For example, an interface's
IP addresses: ``ip_addresses: List[IPAddressDict] = []``.
"""

from typing import Annotated

from typing_extensions import TypedDict


class SortKey:
    """Marks the key a list of these dictionaries is sorted by, as in ``name: Annotated[str, SortKey]``.

    See ``nautobot_ssot.contrib.sorting``. Lists held by a NautobotModel are kept sorted whether or not a key is
    marked; the marker matters to code that sorts with ``sort_relationships``.
    """


class ContentTypeDict(TypedDict):
    """A content type, such as one of a Tag's or a Status's ``content_types``."""

    app_label: str
    model: Annotated[str, SortKey]


class TagDict(TypedDict):
    """A tag, named by its unique name."""

    name: Annotated[str, SortKey]


class LocationDict(TypedDict):
    """A location, by name and parent name."""

    name: Annotated[str, SortKey]
    parent__name: str


class DeviceDict(TypedDict):
    """A device, by name and where it is placed."""

    name: Annotated[str, SortKey]
    location__name: str
    tenant__name: str
    rack__name: str
    rack__rack_group__name: str
    position: int
    face: str
    virtual_chassis__name: str
    vc_position: int


class InterfaceDict(TypedDict):
    """A device interface, by name and device name."""

    name: Annotated[str, SortKey]
    device__name: str


class PrefixDict(TypedDict):
    """A prefix, by network, length and namespace."""

    network: Annotated[str, SortKey]
    prefix_length: int
    namespace__name: str


class VLANDict(TypedDict):
    """A VLAN, by VLAN id and VLAN group name."""

    vid: Annotated[int, SortKey]
    vlan_group__name: str


class IPAddressDict(TypedDict):
    """An IP address, by host and mask length."""

    host: Annotated[str, SortKey]
    mask_length: int


class VirtualMachineDict(TypedDict):
    """A virtual machine, by name, cluster and tenant."""

    name: Annotated[str, SortKey]
    cluster__name: str
    tenant__name: str


__all__ = (
    "ContentTypeDict",
    "DeviceDict",
    "IPAddressDict",
    "InterfaceDict",
    "LocationDict",
    "PrefixDict",
    "SortKey",
    "TagDict",
    "VLANDict",
    "VirtualMachineDict",
)
