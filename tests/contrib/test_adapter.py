"""NautobotAdapter: loading top-level models and children, hooks, query counts, the ORM cache, syncing twice."""

from typing import Annotated, List, Optional

from diffsync import Adapter
from django.db import connection
from django.test.utils import CaptureQueriesContext
from nautobot.apps.testing import TestCase
from nautobot.circuits.models import Provider
from nautobot.dcim.models import Device, Interface, Location
from nautobot.extras.models import MetadataType, ObjectMetadata, Relationship, RelationshipAssociation
from nautobot.tenancy.models import Tenant
from typing_extensions import TypedDict

from nautobot_ssot.contrib import (
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    NautobotAdapter,
    NautobotModel,
    ObjectMetadataAnnotation,
    RelationshipSideEnum,
)
from nautobot_ssot.contrib.typeddicts import IPAddressDict, TagDict
from tests.contrib.fixtures import (
    changes,
    load,
    make_base,
    make_device_fixtures,
    make_ip,
    make_location,
    make_metadata_types,
    make_provider_custom_field,
    make_relationships,
    sync_records,
)


class NameDict(TypedDict):
    name: str


class LocationModel(NautobotModel):
    """A model with every kind that costs a join or a prefetch."""

    _model = Location
    _modelname = "location"
    _identifiers = ("name",)
    _attributes = (
        "parent__name",
        "status__name",
        "location_type__name",
        "tenant__name",
        "tenant__tenant_group__name",
        "tags",
        "providers",
        "owner",
    )

    name: str
    parent__name: Optional[str] = None
    status__name: str = "Active"
    location_type__name: str = "Site"
    tenant__name: Optional[str] = None
    tenant__tenant_group__name: Optional[str] = None
    tags: List[TagDict] = []
    providers: Annotated[
        List[NameDict], CustomRelationshipAnnotation("Location providers", RelationshipSideEnum.SOURCE)
    ] = []
    owner: Annotated[Optional[str], ObjectMetadataAnnotation("Data owner")] = None


class LocationAdapter(NautobotAdapter):
    location = LocationModel
    top_level = ("location",)


class ProviderModel(NautobotModel):
    _model = Provider
    _modelname = "provider"
    _identifiers = ("name",)
    _attributes = ("is_global",)

    name: str
    is_global: Annotated[bool, CustomFieldAnnotation(key="is_global")] = False


class SyncAdapter(NautobotAdapter):
    provider = ProviderModel
    location = LocationModel
    top_level = ("provider", "location")


class InterfaceModel(NautobotModel):
    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("ip_addresses",)

    device__name: str
    name: str
    ip_addresses: List[IPAddressDict] = []


class DeviceModel(NautobotModel):
    _model = Device
    _modelname = "device"
    _identifiers = ("name",)
    _attributes = ("location__name",)
    _children = {"interface": "interfaces"}

    name: str
    location__name: str
    interfaces: List[InterfaceModel] = []


class DeviceAdapter(NautobotAdapter):
    device = DeviceModel
    interface = InterfaceModel
    top_level = ("device",)


class PortsDeviceModel(DeviceModel):
    """Names a children relation the Django model does not have."""

    _children = {"interface": "ports"}

    ports: List[InterfaceModel] = []


class ActiveLocationModel(LocationModel):
    @classmethod
    def get_queryset(cls):
        return Location.objects.filter(status__name="Active")


class ActiveLocationAdapter(NautobotAdapter):
    location = ActiveLocationModel
    top_level = ("location",)


def populate_locations(base, start, count):
    """Create ``count`` locations with a parent, tenant, two tags, a related provider and metadata."""
    parent = Location.objects.get_or_create(name="Root", location_type=base.site_type, status=base.active)[0]
    tenant = Tenant.objects.get_or_create(name="Acme", tenant_group=base.group)[0]
    relationship = Relationship.objects.get(label="Location providers")
    provider = Provider.objects.get_or_create(name="Zayo")[0]
    owner = MetadataType.objects.get(name="Data owner")
    for number in range(start, start + count):
        location = make_location(base, f"Site {number:03}", parent=parent, tenant=tenant)
        location.tags.set(base.tags[:2])
        RelationshipAssociation.objects.create(
            relationship=relationship,
            source_type=relationship.source_type,
            source_id=location.pk,
            destination_type=relationship.destination_type,
            destination_id=provider.pk,
        )
        ObjectMetadata.objects.create(metadata_type=owner, assigned_object=location, scoped_fields=[], value="NetOps")


class QueryCountTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        make_relationships()
        make_metadata_types()

    def count_load_queries(self, adapter_class):
        adapter = adapter_class(job=None)
        with CaptureQueriesContext(connection) as queries:
            adapter.load()
        return adapter, len(queries)

    def test_loading_costs_the_same_queries_for_10_and_200_objects(self):
        populate_locations(self.base, 0, 10)
        small, small_count = self.count_load_queries(LocationAdapter)
        populate_locations(self.base, 10, 190)
        large, large_count = self.count_load_queries(LocationAdapter)
        self.assertEqual(len(small.get_all("location")), 11)
        self.assertEqual(len(large.get_all("location")), 201)
        self.assertEqual(small_count, large_count)
        # One query for the locations, one per prefetched relation (parent, status, type, tenant, its group),
        # and those of the tags, the providers and the owner metadata.
        self.assertLessEqual(large_count, 11)
        site = large.get("location", "Site 150")
        self.assertEqual(site.tenant__tenant_group__name, "Customers")
        self.assertEqual(site.tags, [{"name": "gold"}, {"name": "silver"}])
        self.assertEqual(site.providers, [{"name": "Zayo"}])
        self.assertEqual(site.owner, "NetOps")

    def test_children_cost_the_same_queries_for_few_and_many_parents(self):
        fixtures = make_device_fixtures(self.base)
        berlin = make_location(self.base, "Berlin")
        counts = []
        for batch in range(2):
            for number in range(3 * (batch + 1) ** 3):
                device = Device.objects.create(
                    name=f"router {batch}-{number}",
                    device_type=fixtures.device_type,
                    role=fixtures.role,
                    location=berlin,
                    status=self.base.active,
                )
                Interface.objects.get(device=device).ip_addresses.add(
                    make_ip(self.base, f"10.0.0.{len(counts) * 100 + number + 1}/24")
                )
            adapter, count = self.count_load_queries(DeviceAdapter)
            counts.append(count)
        self.assertEqual(counts[0], counts[1])
        router = adapter.get("device", "router 1-0")
        self.assertEqual(router.interfaces, ["router 1-0__mgmt0"])
        self.assertEqual(
            adapter.get("interface", "router 1-0__mgmt0").ip_addresses, [{"host": "10.0.0.101", "mask_length": 24}]
        )


class LoadTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        make_relationships()
        make_metadata_types()

    def test_get_queryset_scopes_what_is_loaded(self):
        make_location(self.base, "Berlin")
        Location.objects.create(name="Paris", location_type=self.base.site_type, status=self.base.planned)
        self.assertEqual([item.name for item in load(ActiveLocationAdapter).get_all("location")], ["Berlin"])

    def test_top_level_is_required(self):
        adapter = type("Empty", (NautobotAdapter,), {})(job=None)
        with self.assertRaisesRegex(ValueError, "Empty.top_level needs to list the models to load"):
            adapter.load()

    def test_children_must_be_a_relation(self):
        adapter_class = type("BrokenAdapter", (DeviceAdapter,), {"device": PortsDeviceModel})
        with self.assertRaisesRegex(ValueError, "'ports' is not a to-many relation of dcim.Device"):
            load(adapter_class)

    def test_adapter_keeps_job_and_sync(self):
        job = object()
        adapter = LocationAdapter(job=job, sync="the sync")
        self.assertIs(adapter.job, job)
        self.assertEqual(adapter.sync, "the sync")


class SyncTestCase(TestCase):
    def setUp(self):
        self.base = make_base()
        make_relationships()
        make_metadata_types()
        make_provider_custom_field()
        Tenant.objects.create(name="Acme", tenant_group=self.base.group)

    def records(self):
        providers = [{"name": "Zayo", "is_global": True}, {"name": "Lumen"}, {"name": "Cogent"}]
        locations = [
            {"name": "Europe", "tags": [{"name": "silver"}, {"name": "gold"}], "owner": "NetOps"},
            {
                "name": "Berlin",
                "parent__name": "Europe",
                "tenant__name": "Acme",
                "tenant__tenant_group__name": "Customers",
                "providers": [{"name": "Zayo"}, {"name": "Lumen"}, {"name": "Cogent"}],
                "tags": [{"name": "bronze"}, {"name": "gold"}],
            },
        ]
        return {"provider": providers, "location": locations}

    def test_second_sync_of_the_same_data_changes_nothing(self):
        first = sync_records(SyncAdapter, self.records())
        self.assertEqual(changes(first), {"create": 5, "update": 0, "delete": 0})
        berlin = Location.objects.get(name="Berlin")
        self.assertEqual(berlin.parent.name, "Europe")
        self.assertEqual(sorted(berlin.tags.names()), ["bronze", "gold"])
        second = sync_records(SyncAdapter, self.records())
        self.assertEqual(changes(second), {"create": 0, "update": 0, "delete": 0})

    def test_sync_uses_the_orm_cache(self):
        target = SyncAdapter(job=None)
        target.load()
        source = type(
            "Source",
            (Adapter,),
            {"provider": ProviderModel, "location": LocationModel, "top_level": ["provider", "location"]},
        )()
        for modelname, rows in self.records().items():
            for row in rows:
                source.add(getattr(SyncAdapter, modelname)(**row))
        source.sync_to(target)
        self.assertGreater(target._cache_hits["dcim.locationtype"], 0)
        target.invalidate_cache()
        self.assertEqual(target._cache_hits, {})
        self.assertEqual(dict(target.orm_cache.objects), {})
