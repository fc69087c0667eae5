"""Map diffsync models onto Nautobot models by annotations: NautobotModel, NautobotAdapter and their markers.

Example:
    ```python
    from nautobot.tenancy.models import Tenant
    from nautobot_ssot.contrib import NautobotAdapter, NautobotModel

    class TenantModel(NautobotModel):
        _model = Tenant
        _modelname = "tenant"
        _identifiers = ("name",)
        _attributes = ("description",)

        name: str
        description: str = ""

    class MyNautobotAdapter(NautobotAdapter):
        tenant = TenantModel
        top_level = ("tenant",)
    ```
"""

from nautobot_ssot.contrib.adapter import NautobotAdapter
from nautobot_ssot.contrib.annotations import (
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ObjectMetadataAnnotation,
    RelationshipSideEnum,
)
from nautobot_ssot.contrib.base import BaseNautobotAdapter, BaseNautobotModel
from nautobot_ssot.contrib.cache import OrmCache
from nautobot_ssot.contrib.component_creation import SkipAutoComponentCreation, is_auto_component_creation_suppressed
from nautobot_ssot.contrib.errors import ModelDeclarationError, RelatedObjectLookupError
from nautobot_ssot.contrib.model import NautobotModel

BaseNautobotAdapter.register(NautobotAdapter)
BaseNautobotModel.register(NautobotModel)

__all__ = (
    "CustomFieldAnnotation",
    "CustomRelationshipAnnotation",
    "ModelDeclarationError",
    "NautobotAdapter",
    "NautobotModel",
    "ObjectMetadataAnnotation",
    "OrmCache",
    "RelatedObjectLookupError",
    "RelationshipSideEnum",
    "SkipAutoComponentCreation",
    "is_auto_component_creation_suppressed",
)
