"""Change record serialization per batch: the relations its serializers read are prefetched once per batch."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.core.models.utils import serialize_object_v2
from nautobot.dcim.models import Device, DeviceType, Interface, Location
from nautobot.extras.models import Role, Status
from nautobot.ipam.models import IPAddress, IPAddressToInterface

from nautobot_ssot.contrib.bulk.serialization import SerializerMemo, prefetch_lookups, serialize_v2
from tests.contrib.test_writers import make_network_fixtures


class PrefetchTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        active = Status.objects.get(name="Active")
        device = Device.objects.create(
            name="r0",
            device_type=DeviceType.objects.get(model="Router 1"),
            role=Role.objects.get(name="Router"),
            location=Location.objects.get(name="Site A"),
            status=active,
        )
        for number in range(6):
            interface = Interface.objects.create(device=device, name=f"eth{number}", type="virtual", status=active)
            address = IPAddress.objects.create(address=f"10.0.0.{number + 1}/24", status=active)
            IPAddressToInterface.objects.create(ip_address=address, interface=interface)

    def test_the_serializers_relations_are_prefetched(self):
        lookups = prefetch_lookups_of(Interface)
        self.assertIn("ip_addresses", lookups)
        self.assertIn("ip_addresses__interfaces", lookups)
        self.assertIn("interfaces", prefetch_lookups_of(IPAddress))

    def test_reads_of_addresses_and_interfaces_do_not_grow_with_the_batch(self):
        for model in (Interface, IPAddress):
            with self.subTest(model.__name__):
                self.assertEqual(queries_to_serialize(model, 2), queries_to_serialize(model, 6))

    def test_no_read_of_an_interface_batch_grows_with_the_batch(self):
        self.assertEqual(queries_to_serialize(Interface, 2, tables=()), queries_to_serialize(Interface, 6, tables=()))

    def test_the_output_is_nautobots_and_nothing_stays_prefetched(self):
        objects = list(Interface.objects.filter(name__startswith="eth").order_by("name"))
        self.assertEqual(serialize_v2(objects, SerializerMemo()), [serialize_object_v2(obj) for obj in objects])
        self.assertNotIn("ip_addresses", objects[0].__dict__.get("_prefetched_objects_cache", {}))

    def test_one_serializer_serves_every_batch_and_keeps_no_output(self):
        objects = list(Interface.objects.filter(name__startswith="eth").order_by("name"))
        memo = SerializerMemo()
        first, second = serialize_v2(objects[:3], memo), serialize_v2(objects[3:], memo)
        self.assertEqual(first + second, [serialize_object_v2(obj) for obj in objects])
        self.assertEqual(list(memo.serializers), [Interface])
        self.assertNotIn("_data", vars(memo.serializers[Interface]))


def prefetch_lookups_of(model: type) -> list[str]:
    """Return what a batch of ``model`` prefetches."""
    from nautobot.core.api.utils import get_serializer_for_model  # noqa: PLC0415

    serializer = get_serializer_for_model(model)([], many=True, context={"request": None, "depth": 1})
    return prefetch_lookups(serializer.child)


RELATION_TABLES = ("ipam_ipaddress", "dcim_interface", "virtualization_vminterface")
"""Tables of the relations prefetched per batch."""


def queries_to_serialize(model: type, count: int, tables: tuple[str, ...] = RELATION_TABLES) -> int:
    """Count the queries of ``tables`` (every query when empty) serializing ``count`` objects of ``model`` takes."""
    if model is Interface:
        objects = list(Interface.objects.filter(name__startswith="eth").order_by("name")[:count])
    else:
        objects = list(IPAddress.objects.filter(interfaces__name__startswith="eth").order_by("host")[:count])
    serialize_v2(objects, SerializerMemo())  # the first batch of a flush builds its URL templates
    joined = ("device__location", "status") if model is Interface else ()  # as saved: related objects held
    objects = [type(obj).objects.select_related(*joined).get(pk=obj.pk) for obj in objects]
    with CaptureQueriesContext(connection) as queries:
        serialize_v2(objects, SerializerMemo())
    return sum(1 for query in queries if not tables or any(f'FROM "{table}"' in query["sql"] for table in tables))
