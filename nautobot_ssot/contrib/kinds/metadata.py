"""The kind backed by Nautobot object metadata: the value of one MetadataType on an object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Prefetch, QuerySet
from nautobot.extras.models import MetadataType, ObjectMetadata
from typing_extensions import Self

from nautobot_ssot.contrib.annotations import ObjectMetadataAnnotation
from nautobot_ssot.contrib.kinds.base import Declaration, FieldKind, Member, attribute_name, ensure_not_list
from nautobot_ssot.contrib.lookups import model_field, resolve


@dataclass(frozen=True)
class ObjectMetadataKind(FieldKind):
    """A field stored as the value of the object's metadata of one MetadataType (and set of scoped fields).

    None means the object has no such metadata: loading reads None, writing None deletes it. Metadata types
    whose data type is contact-or-team hold no value and are not supported.

    Attributes:
        name: The field name.
        annotation: The field's ObjectMetadataAnnotation.
    """

    name: str
    annotation: ObjectMetadataAnnotation

    after_save = True
    identifier = False

    @property
    def names(self) -> tuple[str, ...]:
        """The one field."""
        return (self.name,)

    @property
    def to_attr(self) -> str:
        """Attribute holding the prefetched metadata on loaded objects."""
        return attribute_name("metadata", self.name)

    @classmethod
    def build(cls, decl: Declaration, members: list[Member]) -> Self:
        """Require a model that takes metadata, and scoped fields that are its fields."""
        member = members[0]
        ensure_not_list(decl, member, "object metadata")
        if model_field(decl.django_model, "associated_object_metadata") is None:
            decl.fail(member.name, f"{decl.django_model.__name__} does not support object metadata")
        for scoped in member.marker.scoped_fields:
            if model_field(decl.django_model, scoped) is None:
                decl.fail(member.name, f"scoped field '{scoped}' is not a field of {decl.django_model.__name__}")
        return cls(member.name, member.marker)

    def query(self, queryset: QuerySet, adapter: Any) -> QuerySet:
        """Prefetch the objects' metadata of this type."""
        records = ObjectMetadata.objects.filter(metadata_type__name=self.annotation.name).select_related(
            "metadata_type"
        )
        return queryset.prefetch_related(Prefetch("associated_object_metadata", queryset=records, to_attr=self.to_attr))

    def load(self, obj: Model) -> dict[str, Any]:
        """Read the metadata value, None when there is none."""
        record = self.match(getattr(obj, self.to_attr))
        return {self.name: record.value if record else None}

    def save(self, obj: Model, values: Mapping[str, Any], adapter: Any) -> None:
        """Create, change or (for None) delete the object's metadata of this type."""
        content_type = ContentType.objects.get_for_model(obj)
        existing = ObjectMetadata.objects.filter(
            metadata_type__name=self.annotation.name, assigned_object_type=content_type, assigned_object_id=obj.pk
        ).select_related("metadata_type")
        record = self.match(existing)
        value = values[self.name]
        if value is None:
            if record is not None:
                record.delete()
            return
        if record is None:
            metadata_type = resolve(adapter, self.name, {"name": self.annotation.name}, MetadataType)
            record = ObjectMetadata(
                metadata_type=metadata_type,
                assigned_object_type=content_type,
                assigned_object_id=obj.pk,
                scoped_fields=list(self.annotation.scoped_fields),
            )
        record._value = value
        record.validated_save()

    def match(self, records: Iterable[ObjectMetadata]) -> ObjectMetadata | None:
        """Return the record scoped to exactly the annotation's fields, if any."""
        scoped = self.annotation.scoped_fields
        return next((record for record in records if tuple(sorted(record.scoped_fields)) == scoped), None)
