"""Every public name of nautobot-ssot 4.7 imports the way an integration imports it."""

import importlib

from django.test import SimpleTestCase

PUBLIC_NAMES = {
    "nautobot_ssot.exceptions": (
        "AdapterLoadException",
        "AuthFailure",
        "ConfigurationError",
        "InvalidUrlScheme",
        "JobException",
        "MissingConfigSetting",
        "MissingSecretsGroupException",
        "RequestConnectError",
        "RequestHTTPError",
    ),
    "nautobot_ssot.utils": (
        "create_or_update_custom_field",
        "get_username_password_https_from_secretsgroup",
        "logger",
        "parse_hostname_for_location",
        "parse_hostname_for_role",
        "validate_dlm_installed",
        "verify_controller_managed_device_group",
    ),
    "nautobot_ssot.utils.orm": (
        "get_custom_relationship_association_parameters",
        "get_custom_relationship_associations",
        "get_orm_attribute",
        "load_typed_dict",
        "orm_attribute_lookup",
    ),
    "nautobot_ssot.utils.cache": ("ORMCache", "ParameterSet"),
    "nautobot_ssot.utils.typing": ("get_inner_type",),
    "nautobot_ssot.utils.types": ("RelationshipAssociationParameters",),
    "nautobot_ssot.utils.diffsync": ("DiffSyncModelUtilityMixin",),
    "nautobot_ssot.metrics": (
        "metric_memory_usage",
        "metric_ssot_jobs",
        "metric_sync_operations",
        "metric_syncs",
        "metrics",
    ),
    "nautobot_ssot.contrib": (
        "CustomFieldAnnotation",
        "CustomRelationshipAnnotation",
        "NautobotAdapter",
        "NautobotModel",
        "ObjectMetadataAnnotation",
        "RelationshipSideEnum",
        "SkipAutoComponentCreation",
        "is_auto_component_creation_suppressed",
    ),
    "nautobot_ssot.contrib.types": (
        "CustomAnnotation",
        "CustomFieldAnnotation",
        "CustomRelationshipAnnotation",
        "ObjectMetadataAnnotation",
        "RelationshipSideEnum",
    ),
    "nautobot_ssot.contrib.enums": ("RelationshipSideEnum", "SortType"),
    "nautobot_ssot.contrib.sorting": (
        "get_sort_key_from_typed_dict",
        "get_sortable_fields_from_model",
        "sort_relationships",
    ),
    "nautobot_ssot.contrib.typeddicts": (
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
    ),
    "nautobot_ssot.contrib.base": ("BaseNautobotAdapter", "BaseNautobotModel"),
    "nautobot_ssot.contrib.component_creation": (
        "SkipAutoComponentCreation",
        "is_auto_component_creation_suppressed",
        "upstream_available",
    ),
    "nautobot_ssot.contrib.model": (
        "BaseNautobotModel",
        "CustomFieldAnnotation",
        "CustomRelationshipAnnotation",
        "DiffSyncModel",
        "DiffSyncModelUtilityMixin",
        "NautobotModel",
        "ObjectCrudException",
        "ObjectMetadataAnnotation",
        "ObjectNotCreated",
        "ObjectNotDeleted",
        "ObjectNotUpdated",
        "RelationshipSideEnum",
    ),
    "nautobot_ssot.contrib.adapter": ("NautobotAdapter", "ORMCache"),
    "nautobot_ssot.jobs": ("DataSource", "DataTarget", "JobException"),
    "nautobot_ssot.jobs.base": (
        "DataMapping",
        "DataSource",
        "DataSyncBaseJob",
        "DataTarget",
        "NautobotAdapter",
        "SyncLogEntryActionChoices",
        "ThreadedAdapterLoader",
    ),
    "nautobot_ssot.models": ("DiffJSONEncoder", "Sync", "SyncLogEntry"),
    "nautobot_ssot.choices": ("SyncLogEntryActionChoices", "SyncLogEntryStatusChoices"),
    "nautobot_ssot.templatetags.render_diff": ("render_diff", "register"),
    "nautobot_ssot.templatetags.humanize_bytes": ("humanize_bytes", "register"),
}
"""Module path -> the names integrations written for 4.7 import from it."""


class PublicNamesTestCase(SimpleTestCase):
    """``from <module> import <name>`` works for every listed name."""

    def test_every_public_name_imports(self):
        for module_path, names in PUBLIC_NAMES.items():
            module = importlib.import_module(module_path)
            for name in names:
                with self.subTest(f"from {module_path} import {name}"):
                    self.assertTrue(hasattr(module, name))

    def test_the_same_objects_behind_the_old_and_the_new_paths(self):
        from nautobot_ssot.contrib import NautobotAdapter, NautobotModel, RelationshipSideEnum  # noqa: PLC0415
        from nautobot_ssot.contrib.base import BaseNautobotAdapter, BaseNautobotModel  # noqa: PLC0415
        from nautobot_ssot.contrib.enums import RelationshipSideEnum as EnumsSide  # noqa: PLC0415
        from nautobot_ssot.contrib.types import CustomAnnotation, CustomFieldAnnotation  # noqa: PLC0415
        from nautobot_ssot.exceptions import JobException  # noqa: PLC0415
        from nautobot_ssot.jobs import JobException as JobsJobException  # noqa: PLC0415
        from nautobot_ssot.models import DiffJSONEncoder, SyncJSONEncoder  # noqa: PLC0415

        self.assertIs(EnumsSide, RelationshipSideEnum)
        self.assertIs(JobsJobException, JobException)
        self.assertIs(DiffJSONEncoder, SyncJSONEncoder)
        self.assertTrue(issubclass(NautobotModel, BaseNautobotModel))
        self.assertTrue(issubclass(NautobotAdapter, BaseNautobotAdapter))
        self.assertIsInstance(CustomFieldAnnotation(key="x"), CustomAnnotation)
