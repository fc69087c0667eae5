"""REST API serializers of syncs and log entries (the JSON field names of nautobot-ssot 4.x)."""

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from nautobot.apps.api import BaseModelSerializer, ContentTypeField, NotesSerializerMixin
from rest_framework import serializers

from nautobot_ssot.models import Sync, SyncConflict, SyncLogEntry


class ExtrasCompatibilityMixin(serializers.Serializer):
    """The ``custom_fields``, ``computed_fields`` and ``relationships`` keys that 4.x clients read.

    Syncs and log entries carry no custom fields, computed fields or relationships: the values are
    always empty objects, present so that code written against nautobot-ssot 4.x finds its keys
    (``computed_fields`` and ``relationships`` with ``?include=``, as Nautobot serves them).
    """

    custom_fields = serializers.SerializerMethodField()
    computed_fields = serializers.SerializerMethodField()
    relationships = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_custom_fields(self, instance) -> dict:
        """Always empty."""
        return {}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_computed_fields(self, instance) -> dict:
        """Always empty."""
        return {}

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_relationships(self, instance) -> dict:
        """Always empty."""
        return {}


class SyncSerializer(ExtrasCompatibilityMixin, NotesSerializerMixin, BaseModelSerializer):
    """A sync run, with its whole JSON ``diff`` (as nautobot-ssot 4.x serves it)."""

    status = serializers.CharField(read_only=True, help_text="Status of the run, from its job result")
    duration = serializers.DurationField(read_only=True, help_text="Wall-clock time of the run (end minus start)")

    class Meta:
        """Metadata."""

        model = Sync
        fields = "__all__"
        opt_in_fields = ["computed_fields", "relationships"]


class SyncListSerializer(SyncSerializer):
    """A sync in a list: its JSON ``diff`` (up to megabytes per sync) only with ``?include=diff``."""

    class Meta(SyncSerializer.Meta):
        """Metadata."""

        opt_in_fields = ["diff", "computed_fields", "relationships"]


class SyncLogEntrySerializer(ExtrasCompatibilityMixin, NotesSerializerMixin, BaseModelSerializer):
    """What happened to one object during a sync."""

    synced_object_type = ContentTypeField(queryset=ContentType.objects.all(), allow_null=True, required=False)

    class Meta:
        """Metadata."""

        model = SyncLogEntry
        fields = "__all__"
        opt_in_fields = ["computed_fields", "relationships"]


class SyncConflictSerializer(serializers.ModelSerializer):
    """One field (or, for a delete, object) the sync would overwrite that someone else changed in Nautobot."""

    class Meta:
        """Metadata."""

        model = SyncConflict
        fields = [
            "id",
            "sync",
            "record",
            "model_name",
            "unique_id",
            "action",
            "attribute",
            "source_value",
            "nautobot_value",
            "changed_by",
            "changed_at",
            "change_id",
            "resolution",
        ]
