"""The local side of the example jobs: this Nautobot, through contrib's NautobotAdapter."""

from __future__ import annotations

from typing import Any, Optional

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from nautobot.dcim.models import Device
from nautobot.extras.choices import CustomFieldTypeChoices
from nautobot.extras.models import CustomField

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.jobs.examples import models
from nautobot_ssot.jobs.examples.scope import Scope


class ExampleNautobotAdapter(NautobotAdapter):
    """This Nautobot's data for the example jobs, narrowed to the scope of the run.

    Attributes:
        scope: What part of the data is loaded.
    """

    tag = models.TagModel
    location_type = models.LocationTypeModel
    tenant_group = models.TenantGroupModel
    tenant = models.TenantModel
    location = models.LocationModel
    role = models.RoleModel
    manufacturer = models.ManufacturerModel
    device_type = models.DeviceTypeModel
    platform = models.PlatformModel
    vlan_group = models.VLANGroupModel
    vlan = models.VLANModel
    prefix = models.PrefixModel
    ip_address = models.IPAddressModel
    device = models.DeviceModel
    interface = models.InterfaceModel
    contact = models.ContactModel
    contact_association = models.ContactAssociationModel
    top_level = models.TOP_LEVEL

    def __init__(self, *args: Any, job: Any, sync: Any = None, scope: Optional[Scope] = None, **kwargs: Any):
        """Create the adapter without loading anything yet."""
        super().__init__(*args, job=job, sync=sync, **kwargs)
        self.scope = scope or Scope()

    def get_load_queryset(self, model_class: type[NautobotModel]) -> QuerySet:
        """Load what contrib loads, narrowed to the scope with the same filters as the remote side."""
        return self.scope.narrow(model_class._modelname, super().get_load_queryset(model_class))


def custom_field_exists() -> bool:
    """Whether the devices' ``support_tier`` custom field exists in this Nautobot (a dry run never creates it)."""
    return CustomField.objects.filter(key=models.SUPPORT_TIER_KEY).exists()


def ensure_custom_field() -> bool:
    """Make sure the devices' ``support_tier`` custom field exists in this Nautobot.

    Returns:
        True when it had to be created.
    """
    field, created = CustomField.objects.get_or_create(
        key=models.SUPPORT_TIER_KEY, defaults={"label": "Support tier", "type": CustomFieldTypeChoices.TYPE_TEXT}
    )
    field.content_types.add(ContentType.objects.get_for_model(Device))
    return created
