"""Which models the bulk path writes (``nautobot_ssot.contrib.bulk.support``), and canaries of what it relies on."""

from __future__ import annotations

import hashlib
import inspect

from nautobot.apps.testing import TestCase
from nautobot.ipam.models import VLAN

from nautobot_ssot.contrib.bulk.support import model_fallback_reason, reproduced_overrides

VLAN_SOURCES = {
    "save": "6006a7c229ec",
    "__init__": "aea8cf6554c1",
}
"""The first 12 hex digits of the SHA-256 of ``VLAN.save`` and ``VLAN.__init__`` as the bulk path was checked on."""


def source_digest(function) -> str:
    """The first 12 hex digits of the SHA-256 of a function's source."""
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:12]


class ReproducedOverridesTestCase(TestCase):
    def test_vlans_are_written_in_bulk(self):
        self.assertEqual(reproduced_overrides(), {VLAN: "save"})
        self.assertIsNone(model_fallback_reason(VLAN))

    def test_the_vlan_methods_are_the_ones_checked(self):
        """Fails when Nautobot changes them: check that the bulk path still does what they do, then update."""
        for name, digest in VLAN_SOURCES.items():
            self.assertEqual(source_digest(getattr(VLAN, name)), digest, f"VLAN.{name} changed")
