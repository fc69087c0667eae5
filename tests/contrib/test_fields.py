"""Declaration checks: a NautobotModel that cannot work fails when the class is defined, naming class and field."""

from typing import Annotated, List, Optional

from django.contrib.contenttypes.models import ContentType
from nautobot.apps.testing import TestCase
from nautobot.circuits.models import Provider
from nautobot.dcim.models import Interface, Location
from nautobot.extras.models import Note
from nautobot.tenancy.models import Tenant
from typing_extensions import TypedDict

from nautobot_ssot.contrib import (
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ModelDeclarationError,
    NautobotModel,
    ObjectMetadataAnnotation,
)
from nautobot_ssot.contrib.fields import list_item
from nautobot_ssot.contrib.kinds import (
    CustomFieldKind,
    ForeignKeyKind,
    GenericForeignKeyKind,
    ObjectMetadataKind,
    PlainKind,
    RelationshipToManyKind,
    RelationshipToOneKind,
    ToManyKind,
)
from nautobot_ssot.contrib.typeddicts import TagDict


class NameDict(TypedDict):
    name: str


class BadKeyDict(TypedDict):
    name: str
    colour: str


class DeclarationErrorTestCase(TestCase):
    """Each mistake is reported with the class and the field in the message."""

    def assertDeclarationError(self, message, **namespace):
        with self.assertRaises(ModelDeclarationError) as raised:
            type("Broken", (NautobotModel,), {"__module__": __name__, "_modelname": "broken", **namespace})
        self.assertIn(message, str(raised.exception))

    def test_no_model(self):
        """A class without ``_model`` is a shared base (nautobot-ssot 4.x accepts it); using it fails clearly."""
        broken = type(
            "Broken",
            (NautobotModel,),
            {"__module__": __name__, "_identifiers": ("name",), "__annotations__": {"name": str}},
        )
        with self.assertRaises(ModelDeclarationError) as raised:
            broken.field_plan()
        self.assertIn("Broken._model: not set", str(raised.exception))

    def test_model_not_a_django_model(self):
        self.assertDeclarationError(
            "Broken._model: 'tenant' is not a Django model class",
            _model="tenant",
            _identifiers=("name",),
            __annotations__={"name": str},
        )

    def test_identifier_not_a_field_of_the_class(self):
        self.assertDeclarationError(
            "Broken.slug: listed in _identifiers but not a field of the class",
            _model=Tenant,
            _identifiers=("slug",),
            __annotations__={"name": str},
        )

    def test_attribute_not_a_field_of_the_class(self):
        self.assertDeclarationError(
            "Broken.description: listed in _attributes but not a field of the class",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("description",),
            __annotations__={"name": str},
        )

    def test_field_not_on_the_django_model(self):
        self.assertDeclarationError(
            "Broken.colour: 'colour' is not a field of tenancy.Tenant",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("colour",),
            __annotations__={"name": str, "colour": str},
        )

    def test_lookup_not_on_the_related_model(self):
        self.assertDeclarationError(
            "Broken.tenant__tenant_group__colour: lookup 'tenant_group__colour' does not exist on tenancy.Tenant: "
            "'colour' is not a field of tenancy.TenantGroup",
            _model=Location,
            _identifiers=("name",),
            _attributes=("tenant__tenant_group__colour",),
            __annotations__={"name": str, "tenant__tenant_group__colour": Optional[str]},
        )

    def test_lookup_through_a_field_that_is_not_a_relation(self):
        self.assertDeclarationError(
            "Broken.description__name: 'description' of dcim.Location is not a relation to look up through",
            _model=Location,
            _identifiers=("name",),
            _attributes=("description__name",),
            __annotations__={"name": str, "description__name": str},
        )

    def test_foreign_key_without_lookup(self):
        self.assertDeclarationError(
            "Broken.tenant: 'tenant' is a relation; name the related object through its fields, as in 'tenant__name'",
            _model=Location,
            _identifiers=("name",),
            _attributes=("tenant",),
            __annotations__={"name": str, "tenant": str},
        )

    def test_lookup_ending_on_a_relation(self):
        self.assertDeclarationError(
            "Broken.tenant__tenant_group: lookup 'tenant_group' does not exist on tenancy.Tenant: 'tenant_group' of "
            "tenancy.Tenant is a relation; name one of its fields, as in 'tenant_group__name'",
            _model=Location,
            _identifiers=("name",),
            _attributes=("tenant__tenant_group",),
            __annotations__={"name": str, "tenant__tenant_group": str},
        )

    def test_to_many_not_typed_as_a_list_of_typeddict(self):
        self.assertDeclarationError(
            "Broken.tags: a to-many relation must be typed List[SomeTypedDict]",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("tags",),
            __annotations__={"name": str, "tags": List[str]},
        )

    def test_to_many_through_a_lookup(self):
        self.assertDeclarationError(
            "Broken.tags__name: 'tags' is a to-many relation: declare 'tags: List[SomeTypedDict]'",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("tags__name",),
            __annotations__={"name": str, "tags__name": str},
        )

    def test_typeddict_key_not_on_the_related_model(self):
        self.assertDeclarationError(
            "Broken.tags: key of BadKeyDict 'colour' does not exist on extras.Tag",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("tags",),
            __annotations__={"name": str, "tags": List[BadKeyDict]},
        )

    def test_list_of_typeddict_on_a_single_valued_field(self):
        self.assertDeclarationError(
            "Broken.description: a plain field holds one value; List[TypedDict] is only for to-many relations",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("description",),
            __annotations__={"name": str, "description": List[NameDict]},
        )

    def test_custom_field_annotation_on_a_list_of_typeddict(self):
        self.assertDeclarationError(
            "Broken.tags: a custom field holds one value",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("tags",),
            __annotations__={"name": str, "tags": Annotated[List[TagDict], CustomFieldAnnotation(key="tags")]},
        )

    def test_custom_field_annotation_on_a_model_without_custom_fields(self):
        self.assertDeclarationError(
            "Broken.colour: ContentType has no custom fields",
            _model=ContentType,
            _identifiers=("model",),
            _attributes=("colour",),
            __annotations__={"model": str, "colour": Annotated[str, CustomFieldAnnotation(key="colour")]},
        )

    def test_metadata_annotation_on_a_model_without_metadata(self):
        self.assertDeclarationError(
            "Broken.owner: ContentType does not support object metadata",
            _model=ContentType,
            _identifiers=("model",),
            _attributes=("owner",),
            __annotations__={"model": str, "owner": Annotated[str, ObjectMetadataAnnotation("Owner")]},
        )

    def test_custom_relationship_annotation_on_a_plain_name(self):
        self.assertDeclarationError(
            "Broken.partner: a CustomRelationshipAnnotation field is either named '<prefix>__<lookup>'",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("partner",),
            __annotations__={"name": str, "partner": Annotated[str, CustomRelationshipAnnotation("Partner")]},
        )

    def test_metadata_annotation_with_an_unknown_scoped_field(self):
        self.assertDeclarationError(
            "Broken.owner: scoped field 'colour' is not a field of Tenant",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("owner",),
            __annotations__={"name": str, "owner": Annotated[str, ObjectMetadataAnnotation("Owner", ("colour",))]},
        )

    def test_two_markers_on_one_field(self):
        marked = Annotated[str, CustomFieldAnnotation(key="x"), ObjectMetadataAnnotation("Owner")]
        self.assertDeclarationError(
            "Broken.owner: has more than one of CustomFieldAnnotation",
            _model=Tenant,
            _identifiers=("name",),
            _attributes=("owner",),
            __annotations__={"name": str, "owner": marked},
        )

    def test_to_many_as_identifier(self):
        self.assertDeclarationError(
            "Broken.tags: ToManyKind fields cannot be identifiers",
            _model=Tenant,
            _identifiers=("tags",),
            __annotations__={"tags": List[TagDict]},
        )

    def test_generic_foreign_key_without_its_type_fields(self):
        self.assertDeclarationError(
            "Broken.assigned_object__model: generic foreign key 'assigned_object' needs this field declared",
            _model=Note,
            _identifiers=("note",),
            _attributes=("assigned_object__app_label", "assigned_object__name"),
            __annotations__={"note": str, "assigned_object__app_label": str, "assigned_object__name": str},
        )


class InterfaceModel(NautobotModel):
    _model = Interface
    _modelname = "interface"
    _identifiers = ("device__name", "name")
    _attributes = ("tags", "description", "mtu", "provider_id", "partners", "lag__name", "lag__device__name")

    device__name: str
    name: str
    tags: List[TagDict] = []
    description: str = ""
    mtu: Optional[int] = None
    provider_id: Annotated[Optional[str], CustomFieldAnnotation(key="provider_id")] = None
    partners: Annotated[List[NameDict], CustomRelationshipAnnotation("Interface partners")] = []
    lag__name: Optional[str] = None
    lag__device__name: Optional[str] = None


class LegacyProviderModel(NautobotModel):
    """Declares ``_model`` as an annotation, as some older integrations do."""

    _model: Provider
    _modelname = "provider"
    _identifiers = ("name",)

    name: str


class AbstractBase(NautobotModel):
    """Without identifiers, a class is a base for others and is not analysed."""

    description: str = ""


class FieldPlanTestCase(TestCase):
    def test_each_field_is_classified_once_and_grouped_by_relation(self):
        plan = InterfaceModel.field_plan()
        kinds = {kind.names: type(kind) for kind in plan.kinds}
        self.assertEqual(
            kinds,
            {
                ("device__name",): ForeignKeyKind,
                ("name",): PlainKind,
                ("tags",): ToManyKind,
                ("description",): PlainKind,
                ("mtu",): PlainKind,
                ("provider_id",): CustomFieldKind,
                ("partners",): RelationshipToManyKind,
                ("lag__name", "lag__device__name"): ForeignKeyKind,
            },
        )
        self.assertIs(InterfaceModel.field_plan(), plan)
        lag = next(kind for kind in plan.kinds if kind.names[0] == "lag__name")
        self.assertEqual(lag.joins, ("lag", "lag__device"))

    def test_other_kinds(self):
        to_one = type(
            "ToOne",
            (NautobotModel,),
            {
                "__module__": __name__,
                "_model": Tenant,
                "_identifiers": ("name",),
                "_attributes": ("hq__name", "owner"),
                "__annotations__": {
                    "name": str,
                    "hq__name": Annotated[Optional[str], CustomRelationshipAnnotation("HQ")],
                    "owner": Annotated[Optional[str], ObjectMetadataAnnotation("Owner")],
                },
            },
        )
        self.assertEqual(
            [type(kind) for kind in to_one.field_plan().kinds], [PlainKind, RelationshipToOneKind, ObjectMetadataKind]
        )

    def test_generic_foreign_key(self):
        model = type(
            "NoteModel",
            (NautobotModel,),
            {
                "__module__": __name__,
                "_model": Note,
                "_identifiers": ("note",),
                "_attributes": ("assigned_object__model", "assigned_object__app_label", "assigned_object__name"),
                "__annotations__": dict.fromkeys(
                    ("note", "assigned_object__app_label", "assigned_object__model", "assigned_object__name"), str
                ),
            },
        )
        [_, gfk] = model.field_plan().kinds
        self.assertIsInstance(gfk, GenericForeignKeyKind)
        self.assertEqual(gfk.type_names, ("assigned_object__app_label", "assigned_object__model"))

    def test_annotation_only_model_declaration_is_accepted(self):
        self.assertIs(LegacyProviderModel._model, Provider)
        self.assertIs(LegacyProviderModel(name="Zayo")._model, Provider)
        self.assertEqual([type(kind) for kind in LegacyProviderModel.field_plan().kinds], [PlainKind])

    def test_class_without_identifiers_is_an_abstract_base(self):
        self.assertIsNone(AbstractBase._field_plan)

    def test_list_item(self):
        self.assertIs(list_item(List[TagDict]), TagDict)
        self.assertIs(list_item(Optional[list[TagDict]]), TagDict)
        self.assertIsNone(list_item(Optional[str]))
