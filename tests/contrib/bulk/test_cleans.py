"""Queries of ``clean()`` answered from the bulk run (``nautobot_ssot.contrib.bulk.cleans``), and their canaries."""

from __future__ import annotations

import threading
from typing import Any
from unittest.mock import patch

from diffsync.enum import DiffSyncFlags
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.dcim.models import ConsolePort, Device, DeviceType, Interface, Location
from nautobot.extras.choices import ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import Role, Status
from nautobot.ipam.models import IPAddress, IPAddressRange, Namespace, Prefix
from nautobot.users.models import User

from nautobot_ssot.contrib import NautobotAdapter, NautobotModel
from nautobot_ssot.contrib.bulk import BulkWriter, cleans, internals
from nautobot_ssot.jobs.examples.models import IPAddressModel, PrefixModel
from nautobot_ssot.sync.executor import apply_diff
from tests.contrib.fixtures import FailedOutcomes, content_types, source_for
from tests.contrib.test_writers import NetDevice, make_network_fixtures, stored


class CleanCanaryTestCase(TestCase):
    """Fail when Nautobot changes a ``clean()`` the bulk path answers queries of: check the answers, then update."""

    def test_every_replaced_clean_is_the_one_checked(self):
        for target in internals.CLEAN_TARGETS:
            with self.subTest(str(target)):
                self.assertTrue(cleans.checked(target.original(), f"{target.owner}.{target.name}"))

    def test_a_changed_clean_is_left_as_it_is(self):
        def clean(self):
            """Not the checked source."""

        for wrap in (cleans.component_clean, cleans.address_clean, cleans.prefix_parent):
            with self.subTest(wrap.__name__):
                self.assertIs(wrap(clean), clean)

    def test_the_replacements_call_the_originals_on_a_thread_not_validating(self):
        seen = []
        with BulkWriter(adapter=None).answers.active():
            self.assertIsNotNone(cleans.current())
            other = threading.Thread(target=lambda: seen.append(cleans.current()))
            other.start()
            other.join()
        self.assertEqual(seen, [None])
        self.assertIsNone(cleans.current())


class LabelledInterface(NautobotModel):
    """An interface known to the source by its label: two of them may ask for the same name."""

    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "label")
    _attributes = ("name", "type", "status__name")

    device__name: str
    label: str
    name: str
    type: str = "virtual"
    status__name: str = "Active"


class ExclusiveRange(NautobotModel):
    """An exclusive IP address range."""

    _model = IPAddressRange
    _modelname = "range"
    _identifiers = ("start_host", "end_host")
    _attributes = ("status__name", "is_exclusive")

    start_host: str
    end_host: str
    status__name: str = "Active"
    is_exclusive: bool = True


class CheckedAdapter(NautobotAdapter):
    """Prefixes, ranges, addresses, devices and labelled interfaces."""

    prefix = PrefixModel
    range = ExclusiveRange
    ip_address = IPAddressModel
    device = NetDevice
    interface = LabelledInterface
    top_level = ("prefix", "range", "ip_address", "device", "interface")


def refused_data() -> dict[str, list[dict[str, Any]]]:
    """Objects ``clean()`` refuses: a name taken twice on a new device, addresses in exclusive ranges, a duplicate."""
    ips = [
        {"host": "10.0.0.7", "mask_length": 24},
        {"host": "10.0.0.7", "mask_length": 32},
        {"host": "10.0.0.105", "mask_length": 24},
        {"host": "10.9.0.15", "mask_length": 24},
        {"host": "10.9.0.99", "mask_length": 24},
    ]
    interfaces = [
        {"device__name": "r0", "label": label, "name": name} for label, name in (("a", "eth0"), ("b", "eth0"))
    ]
    interfaces.append({"device__name": "r0", "label": "c", "name": "eth1"})
    return {
        "prefix": [{"network": "10.0.0.0", "prefix_length": 24}, {"network": "10.9.0.0", "prefix_length": 24}],
        "range": [{"start_host": "10.0.0.100", "end_host": "10.0.0.120"}],
        "ip_address": ips,
        "device": [
            {"name": "r0", "device_type__model": "Router 1", "role__name": "Router", "location__name": "Site A"}
        ],
        "interface": interfaces,
    }


def stored_device(name: str) -> Device:
    """Create an active router at Site A (its type gives it a ``mgmt0`` interface)."""
    return Device.objects.create(
        name=name,
        device_type=DeviceType.objects.get(),
        role=Role.objects.get(name="Router"),
        location=Location.objects.get(name="Site A"),
        status=Status.objects.get(name="Active"),
    )


class RefusedAsNautobotRefusesTestCase(TestCase):
    """What ``clean()`` refuses, the bulk path refuses with the same message, and stores what the standard path does."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        active = Status.objects.get(name="Active")
        active.content_types.add(*content_types(IPAddressRange))
        namespace, _ = Namespace.objects.get_or_create(name="Global")
        parent = Prefix.objects.create(prefix="10.9.0.0/24", namespace=namespace, status=active)
        IPAddressRange.objects.create(
            start_host="10.9.0.10", end_host="10.9.0.20", parent=parent, status=active, is_exclusive=True
        )
        cls.tester = User.objects.create(username="cleans-tester")

    def run_path(self, data: dict[str, list[dict[str, Any]]], **options: Any) -> tuple[list, dict[str, Any]]:
        savepoint = transaction.savepoint()
        failures = FailedOutcomes()
        with web_request_context(self.tester, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            target = CheckedAdapter(job=None, **options)
            target.load()
            source = source_for(CheckedAdapter, data)
            diff = source.diff_to(target)
            apply_diff(source, target, diff, DiffSyncFlags.CONTINUE_ON_FAILURE, outcomes=failures)
        state = stored(self.tester)
        transaction.savepoint_rollback(savepoint)
        return sorted(failures.found), state

    def test_the_bulk_path_refuses_and_stores_what_the_standard_path_does(self):
        for model_class in (ExclusiveRange, IPAddressModel, NetDevice, LabelledInterface):
            self.assertIsInstance(CheckedAdapter(job=None, bulk=True).writer_for(model_class), BulkWriter)
        self.assert_refused_alike(
            refused_data(),
            [("interface", "r0__b"), ("ip_address", "10.0.0.105__24"), ("ip_address", "10.0.0.7__32")]
            + [("ip_address", "10.9.0.15__24")],
        )

    def test_names_taken_on_a_stored_device_are_refused_as_nautobot_refuses_them(self):
        device = stored_device("r1")
        for label, name in (("x", "eth5"), ("z", "eth6"), ("w", "eth8")):
            Interface.objects.create(device=device, label=label, name=name, type="virtual", status=device.status)
        data = refused_data()
        data["device"].append({**data["device"][0], "name": "r1"})
        renamed = [("", "mgmt0"), ("x", "eth5"), ("y", "eth5"), ("z", "eth5"), ("w", "eth7"), ("m", "mgmt0")]
        data["interface"] = [{"device__name": "r1", "label": label, "name": name} for label, name in renamed]
        refused = [("interface", "r1__m"), ("interface", "r1__y"), ("interface", "r1__z")]
        addresses = [("ip_address", "10.0.0.105__24"), ("ip_address", "10.0.0.7__32"), ("ip_address", "10.9.0.15__24")]
        self.assert_refused_alike(data, refused + addresses)

    def assert_refused_alike(self, data: dict[str, list[dict[str, Any]]], refused: list[tuple[str, str]]) -> None:
        """Apply ``data`` through the standard and the bulk path: the same refusals, messages and stored state."""
        standard_failures, standard = self.run_path(data, deferred_change_records=False)
        bulk_failures, bulk = self.run_path(data, bulk=True)
        self.assertEqual([(model, unique_id) for model, unique_id, _ in standard_failures], refused)
        self.assertEqual(len(bulk_failures), len(standard_failures))
        for (model, unique_id, expected), (_, _, found) in zip(standard_failures, bulk_failures, strict=True):
            with self.subTest(f"{model} {unique_id}"):
                self.assertEqual(found, expected)
        for key, rows in standard.items():
            with self.subTest(key):
                self.assertEqual(rows, bulk[key])


class QueriesAnsweredTestCase(TestCase):
    """The queries answered from the run are not asked."""

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.active = Status.objects.get(name="Active")
        namespace, _ = Namespace.objects.get_or_create(name="Global")
        Prefix.objects.get_or_create(network="10.0.0.0", prefix_length=24, namespace=namespace, status=cls.active)

    def test_an_interface_of_a_new_device_and_an_address_ask_no_duplicate_or_range_query(self):
        writer = BulkWriter(adapter=None)
        device = Device(name="r9", device_type=DeviceType.objects.get(), location=Location.objects.get(name="Site A"))
        writer.validator.pending.add(device.pk)
        interface = Interface(device=device, name="eth0", type="virtual", status=self.active)
        address = IPAddress(host="10.0.0.9", mask_length=24, status=self.active)
        with CaptureQueriesContext(connection) as queries, writer.answers.active():
            interface.clean()
            address.clean()
        tables = ("dcim_interface", "ipam_ipaddressrange")
        asked = [query["sql"] for query in queries if any(table in query["sql"] for table in tables)]
        self.assertEqual(len(asked), 1, asked)
        self.assertNotIn("start_host", asked[0])  # the namespace's ranges are looked for once, not per address
        self.assertEqual(str(address.parent.prefix), "10.0.0.0/24")

    def test_the_components_of_a_stored_device_are_read_once_until_the_run_writes(self):
        device = stored_device("r8")
        writer = BulkWriter(adapter=None)
        interfaces = [Interface(device=device, name=name, type="virtual", status=self.active) for name in ("e1", "e2")]
        with CaptureQueriesContext(connection) as queries, writer.answers.active():
            for interface in interfaces:
                interface.clean()
            with self.assertRaisesMessage(ValidationError, "A interface by this name already exists on r8"):
                Interface(device=device, name="mgmt0", type="virtual", status=self.active).clean()
        self.assertEqual(len([query for query in queries if "dcim_interface" in query["sql"]]), 1)
        Interface.objects.create(device=device, name="e1", type="virtual", status=self.active)
        with writer.answers.active(), self.assertRaisesMessage(ValidationError, "by this name already exists"):
            interfaces[0].clean()

    def test_the_components_of_only_so_many_devices_are_kept(self):
        devices = [stored_device(name) for name in ("r6", "r7")]
        writer = BulkWriter(adapter=None)
        with (
            patch.object(cleans, "COMPONENT_DEVICES", 1),
            CaptureQueriesContext(connection) as queries,
            writer.answers.active(),
        ):
            for device in (*devices, devices[0]):
                Interface(device=device, name="e1", type="virtual", status=self.active).clean()
        self.assertEqual(len([query for query in queries if "dcim_interface" in query["sql"]]), 3)
        self.assertEqual(list(writer.answers.components), [(Interface, devices[0].pk)])

    def test_a_component_saved_of_a_second_model_read_is_seen(self):
        device = stored_device("r5")
        answers = BulkWriter(adapter=None).answers
        port = ConsolePort(device=device, name="con9")
        self.assertFalse(answers.component_name_taken(Interface(device=device, name="e1")))
        self.assertFalse(answers.component_name_taken(port))
        ConsolePort.objects.create(device=device, name="con9")
        self.assertTrue(answers.component_name_taken(port))
