"""Which models and field plans the bulk path writes (``nautobot_ssot.contrib.bulk.support``)."""

from __future__ import annotations

from typing import Any

from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Interface
from nautobot.ipam.models import IPAddressToInterface, NamespaceParentedModelMixin
from nautobot.tenancy.models import Tenant

from nautobot_ssot.contrib import NautobotModel
from nautobot_ssot.contrib.bulk.support import override_reason, plan_fallback_reason, runs_delete_receivers
from nautobot_ssot.contrib.typeddicts import VLANDict


class FallbackTestCase(TestCase):
    """What the bulk path does not reproduce falls back to object by object, saying why."""

    def test_an_unknown_save_is_not_taken_as_reproduced(self):
        class Parented(NamespaceParentedModelMixin):
            def save(self, *args: Any, **kwargs: Any) -> None:
                """A save() the bulk path knows nothing about."""

        self.assertEqual(override_reason(Parented), "Parented.save() has its own logic")
        self.assertIsNone(override_reason(NamespaceParentedModelMixin))

    def test_a_through_table_with_an_unchecked_receiver_falls_back(self):
        class TaggedInterface(NautobotModel):
            _model = Interface
            _modelname = "interface"
            _identifiers = ("device__name", "name")
            _attributes = ("tagged_vlans",)

            device__name: str
            name: str
            tagged_vlans: list[VLANDict] = []

        reason = plan_fallback_reason(TaggedInterface.field_plan())
        self.assertIn("'tagged_vlans': the receiver", reason)
        self.assertIn("prevent_adding_tagged_vlans_with_incorrect_mode_or_site", reason)


class DeleteReceiversTestCase(TestCase):
    def test_address_assignments_run_receivers_on_delete_and_tenants_do_not(self):
        self.assertTrue(runs_delete_receivers(IPAddressToInterface))
        self.assertFalse(runs_delete_receivers(Tenant))
