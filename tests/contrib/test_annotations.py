"""The field markers."""

from nautobot.apps.testing import TestCase

from nautobot_ssot.contrib import (
    CustomFieldAnnotation,
    CustomRelationshipAnnotation,
    ObjectMetadataAnnotation,
    RelationshipSideEnum,
)


class AnnotationTestCase(TestCase):
    def test_custom_field_key_and_legacy_name(self):
        self.assertEqual(CustomFieldAnnotation(key="is_global").key, "is_global")
        self.assertEqual(CustomFieldAnnotation(name="is_global").key, "is_global")
        self.assertEqual(CustomFieldAnnotation(name="old", key="new").key, "new")
        with self.assertRaisesRegex(ValueError, "needs the custom field's 'key'"):
            CustomFieldAnnotation()

    def test_relationship_sides(self):
        self.assertIs(RelationshipSideEnum.SOURCE.peer, RelationshipSideEnum.DESTINATION)
        self.assertIs(RelationshipSideEnum.DESTINATION.peer, RelationshipSideEnum.SOURCE)
        self.assertEqual(RelationshipSideEnum.DESTINATION.attribute, "destination")
        annotation = CustomRelationshipAnnotation(name="Circuit sites", side=RelationshipSideEnum.DESTINATION)
        self.assertEqual((annotation.name, annotation.side), ("Circuit sites", RelationshipSideEnum.DESTINATION))

    def test_metadata_scoped_fields_are_sorted(self):
        self.assertEqual(
            ObjectMetadataAnnotation("Owner", ["name", "description"]).scoped_fields, ("description", "name")
        )
