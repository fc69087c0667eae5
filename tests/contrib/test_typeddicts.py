"""The ready-made TypedDicts name fields that exist on the models they describe."""

from django.contrib.contenttypes.models import ContentType
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import Device, Interface, Location
from nautobot.extras.models import Tag
from nautobot.ipam.models import VLAN, IPAddress, Prefix
from nautobot.virtualization.models import VirtualMachine

from nautobot_ssot.contrib import typeddicts
from nautobot_ssot.contrib.kinds.base import typeddict_keys
from nautobot_ssot.contrib.lookups import Lookup, joins_for

MODELS = {
    "ContentTypeDict": ContentType,
    "TagDict": Tag,
    "LocationDict": Location,
    "DeviceDict": Device,
    "InterfaceDict": Interface,
    "PrefixDict": Prefix,
    "VLANDict": VLAN,
    "IPAddressDict": IPAddress,
    "VirtualMachineDict": VirtualMachine,
}


class TypedDictTestCase(TestCase):
    def test_every_key_is_a_lookup_on_its_model(self):
        self.assertEqual(set(typeddicts.__all__) - {"SortKey"}, set(MODELS))
        for name, model in MODELS.items():
            for key in typeddict_keys(getattr(typeddicts, name)):
                with self.subTest(typeddict=name, key=key):
                    joins_for(model, Lookup.parse(key))

    def test_every_typeddict_marks_its_sort_key(self):
        from nautobot_ssot.contrib.sorting import get_sort_key_from_typed_dict  # noqa: PLC0415

        for name in MODELS:
            with self.subTest(typeddict=name):
                self.assertIn(
                    get_sort_key_from_typed_dict(getattr(typeddicts, name)), typeddict_keys(getattr(typeddicts, name))
                )
