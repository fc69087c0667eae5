"""The integration's models, declared as nautobot-ssot 4.7 documents them."""

from typing import Annotated, List, Optional

from nautobot.dcim.models import Device
from nautobot.tenancy.models import Tenant
from typing_extensions import TypedDict

from nautobot_ssot.contrib import NautobotModel
from nautobot_ssot.contrib.typeddicts import SortKey
from nautobot_ssot.contrib.types import CustomFieldAnnotation


class TagDict(TypedDict):
    """A tag, sorted by name."""

    name: Annotated[str, SortKey]


class IntegrationModel(NautobotModel):
    """Shared base of the integration's models (no ``_model``: 4.7 accepts such a base)."""

    _identifiers = ("name",)

    name: str


class TenantModel(IntegrationModel):
    """A tenant with its tags and a custom field."""

    _model = Tenant
    _modelname = "tenant"
    _attributes = ("description", "tags", "remote_id")

    description: str = ""
    tags: List[TagDict] = []
    remote_id: Annotated[Optional[str], CustomFieldAnnotation(key="compat_remote_id")] = None


class DeviceModel(IntegrationModel):
    """A device, created without the components of its type when the job asks for it."""

    _model = Device
    _modelname = "device"
    _attributes = ("location__name", "device_type__model", "role__name", "status__name")

    location__name: str
    device_type__model: str
    role__name: str
    status__name: str
