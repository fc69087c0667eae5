"""Custom relationships, one-to-one, one-to-many and many-to-many, from both sides."""

from typing import Annotated, List, Optional

from diffsync.exceptions import ObjectNotUpdated
from nautobot.apps.testing import TestCase
from nautobot.circuits.models import Provider
from nautobot.dcim.models import Location
from nautobot.extras.models import Relationship, RelationshipAssociation
from nautobot.tenancy.models import Tenant
from typing_extensions import TypedDict

from nautobot_ssot.contrib import (
    CustomRelationshipAnnotation,
    ModelDeclarationError,
    NautobotAdapter,
    NautobotModel,
    RelatedObjectLookupError,
    RelationshipSideEnum,
)
from tests.contrib.fixtures import changes, load, make_base, make_location, make_relationships, sync_records

SOURCE = RelationshipSideEnum.SOURCE
DESTINATION = RelationshipSideEnum.DESTINATION


class NameDict(TypedDict):
    name: str


class TenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("headquarters__name", "providers")

    name: str
    headquarters__name: Annotated[Optional[str], CustomRelationshipAnnotation("Tenant headquarters", SOURCE)] = None
    providers: Annotated[List[NameDict], CustomRelationshipAnnotation("Tenant providers", SOURCE)] = []


class LocationModel(NautobotModel):
    _model = Location
    _modelname = "location"
    _identifiers = ("name",)
    _attributes = ("headquarters_of__name", "providers")

    name: str
    headquarters_of__name: Annotated[
        Optional[str], CustomRelationshipAnnotation("Tenant headquarters", DESTINATION)
    ] = None
    providers: Annotated[List[NameDict], CustomRelationshipAnnotation("Location providers", SOURCE)] = []


class ProviderModel(NautobotModel):
    _model = Provider
    _modelname = "provider"
    _identifiers = ("name",)
    _attributes = ("owner__name", "locations")

    name: str
    owner__name: Annotated[Optional[str], CustomRelationshipAnnotation("Tenant providers", DESTINATION)] = None
    locations: Annotated[List[NameDict], CustomRelationshipAnnotation("Location providers", DESTINATION)] = []


class RelationshipAdapter(NautobotAdapter):
    tenant = TenantModel
    location = LocationModel
    provider = ProviderModel
    top_level = ("tenant", "location", "provider")


def associate(label, source, destination):
    relationship = Relationship.objects.get(label=label)
    RelationshipAssociation.objects.create(
        relationship=relationship,
        source_type=relationship.source_type,
        source_id=source.pk,
        destination_type=relationship.destination_type,
        destination_id=destination.pk,
    )


def peers(label, obj, side="source"):
    other = "destination" if side == "source" else "source"
    associations = RelationshipAssociation.objects.filter(relationship__label=label, **{f"{side}_id": obj.pk})
    return sorted(str(getattr(association, other)) for association in associations)


class RelationshipTestCase(TestCase):
    def setUp(self):
        base = make_base()
        make_relationships()
        self.acme = Tenant.objects.create(name="Acme")
        self.globex = Tenant.objects.create(name="Globex")
        self.berlin = make_location(base, "Berlin")
        self.paris = make_location(base, "Paris")
        self.zayo = Provider.objects.create(name="Zayo")
        self.lumen = Provider.objects.create(name="Lumen")
        Provider.objects.create(name="Cogent")
        associate("Tenant headquarters", self.acme, self.berlin)
        associate("Tenant providers", self.acme, self.zayo)
        associate("Tenant providers", self.acme, self.lumen)
        associate("Location providers", self.berlin, self.zayo)
        associate("Location providers", self.paris, self.zayo)

    def records(self, adapter):
        return {
            name: [item.dict(exclude={"model_flags", "adapter"}) for item in adapter.get_all(name)]
            for name in ("tenant", "location", "provider")
        }

    def test_load_both_sides(self):
        adapter = load(RelationshipAdapter)
        acme = adapter.get("tenant", "Acme")
        self.assertEqual(acme.headquarters__name, "Berlin")
        self.assertEqual(acme.providers, [{"name": "Lumen"}, {"name": "Zayo"}])
        self.assertEqual(adapter.get("location", "Berlin").headquarters_of__name, "Acme")
        self.assertIsNone(adapter.get("location", "Paris").headquarters_of__name)
        self.assertEqual(adapter.get("location", "Paris").providers, [{"name": "Zayo"}])
        self.assertEqual(adapter.get("provider", "Zayo").owner__name, "Acme")
        self.assertEqual(adapter.get("provider", "Zayo").locations, [{"name": "Berlin"}, {"name": "Paris"}])
        self.assertEqual(adapter.get("provider", "Cogent").locations, [])

    def test_same_data_is_no_change(self):
        records = self.records(load(RelationshipAdapter))
        self.assertEqual(
            changes(sync_records(RelationshipAdapter, records)), dict.fromkeys(("create", "update", "delete"), 0)
        )

    def test_update_from_the_source_side(self):
        records = self.records(load(RelationshipAdapter))
        records["tenant"] = [
            {"name": "Acme", "headquarters__name": None, "providers": [{"name": "Cogent"}, {"name": "Zayo"}]},
            {"name": "Globex", "headquarters__name": "Paris", "providers": [{"name": "Lumen"}]},
        ]
        records["location"] = [
            {"name": "Berlin", "headquarters_of__name": None, "providers": [{"name": "Zayo"}]},
            {"name": "Paris", "headquarters_of__name": "Globex", "providers": [{"name": "Zayo"}]},
        ]
        records["provider"] = [
            {"name": "Zayo", "owner__name": "Acme", "locations": [{"name": "Berlin"}, {"name": "Paris"}]},
            {"name": "Lumen", "owner__name": "Globex", "locations": []},
            {"name": "Cogent", "owner__name": "Acme", "locations": []},
        ]
        sync_records(RelationshipAdapter, records)
        self.assertEqual(peers("Tenant headquarters", self.acme), [])
        self.assertEqual(peers("Tenant headquarters", self.globex), ["Paris"])
        self.assertEqual(peers("Tenant providers", self.acme), ["Cogent", "Zayo"])
        self.assertEqual(peers("Tenant providers", self.globex), ["Lumen"])

    def test_update_from_the_destination_side(self):
        adapter = load(RelationshipAdapter)
        adapter.get("provider", "Lumen").update({"owner__name": "Globex", "locations": [{"name": "Paris"}]})
        adapter.get("location", "Paris").update({"headquarters_of__name": "Globex"})
        self.assertEqual(peers("Tenant providers", self.globex), ["Lumen"])
        self.assertEqual(peers("Location providers", self.lumen, side="destination"), ["Paris"])
        self.assertEqual(peers("Tenant headquarters", self.paris, side="destination"), ["Globex"])

    def test_create_and_delete(self):
        records = self.records(load(RelationshipAdapter))
        records["tenant"].append({"name": "Initech", "headquarters__name": "Paris", "providers": [{"name": "Cogent"}]})
        records["provider"] = [row for row in records["provider"] if row["name"] != "Lumen"]
        sync_records(RelationshipAdapter, records)
        initech = Tenant.objects.get(name="Initech")
        self.assertEqual(peers("Tenant headquarters", initech), ["Paris"])
        self.assertEqual(peers("Tenant providers", initech), ["Cogent"])
        self.assertEqual(peers("Tenant providers", self.acme), ["Zayo"])

    def test_cardinality_refused_by_nautobot_keeps_its_message(self):
        adapter = load(RelationshipAdapter)
        with self.assertRaises(ObjectNotUpdated) as raised:
            adapter.get("tenant", "Globex").update({"headquarters__name": "Berlin"})
        self.assertIn("tenant {'name': 'Globex'}", str(raised.exception))
        self.assertIn("Tenant headquarters", str(raised.exception))
        self.assertEqual(peers("Tenant headquarters", self.globex), [])

    def test_missing_related_object_names_the_field(self):
        adapter = load(RelationshipAdapter)
        with self.assertRaises(ObjectNotUpdated) as raised:
            adapter.get("tenant", "Globex").update({"providers": [{"name": "Verizon"}]})
        self.assertIn("providers: no circuits.Provider matches {'name': 'Verizon'}", str(raised.exception))


class WrongSideTenantModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("headquarters__name",)

    name: str
    headquarters__name: Annotated[Optional[str], CustomRelationshipAnnotation("Tenant headquarters", DESTINATION)]


class ToOneOnTheManySideModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("provider__name",)

    name: str
    provider__name: Annotated[Optional[str], CustomRelationshipAnnotation("Tenant providers", SOURCE)]


class MissingLookupModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("headquarters__altitude",)

    name: str
    headquarters__altitude: Annotated[Optional[str], CustomRelationshipAnnotation("Tenant headquarters", SOURCE)]


class UnknownRelationshipModel(NautobotModel):
    _model = Tenant
    _modelname = "tenant"
    _identifiers = ("name",)
    _attributes = ("friends",)

    name: str
    friends: Annotated[List[NameDict], CustomRelationshipAnnotation("Tenant friends", SOURCE)]


def adapter_for(model_class):
    return type("OneModelAdapter", (NautobotAdapter,), {"tenant": model_class, "top_level": ("tenant",)})


class RelationshipDeclarationTestCase(TestCase):
    """What only the database can tell is checked on the first load, with the class and field named."""

    def setUp(self):
        make_relationships()

    def assertLoadFails(self, model_class, error, message):
        with self.assertRaises(error) as raised:
            load(adapter_for(model_class))
        self.assertIn(message, str(raised.exception))

    def test_wrong_side(self):
        self.assertLoadFails(
            WrongSideTenantModel,
            ModelDeclarationError,
            "WrongSideTenantModel.headquarters__name: relationship 'Tenant headquarters' has dcim.location on "
            "its destination side, not tenancy.Tenant",
        )

    def test_to_one_on_a_side_with_many_peers(self):
        self.assertLoadFails(
            ToOneOnTheManySideModel,
            ModelDeclarationError,
            "ToOneOnTheManySideModel.provider__name: relationship 'Tenant providers' is one-to-many: "
            "its source side has many peers; use List[TypedDict]",
        )

    def test_lookup_missing_on_the_related_model(self):
        self.assertLoadFails(
            MissingLookupModel,
            ModelDeclarationError,
            "MissingLookupModel.headquarters__altitude: relationship 'Tenant headquarters' relates to "
            "dcim.Location, where 'altitude' does not exist",
        )

    def test_unknown_relationship(self):
        self.assertLoadFails(
            UnknownRelationshipModel,
            RelatedObjectLookupError,
            "friends: no extras.Relationship matches {'label': 'Tenant friends'}",
        )
