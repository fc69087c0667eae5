"""REST API serializers of syncs and log entries."""

from django.contrib.contenttypes.models import ContentType
from nautobot.apps.api import BaseModelSerializer, ContentTypeField
from rest_framework import serializers

from nautobot_ssot.models import Sync, SyncConflict, SyncLogEntry


class SyncSerializer(BaseModelSerializer):
    """A sync run. Its whole JSON ``diff`` is only returned with ``?include=diff``."""

    status = serializers.CharField(read_only=True, help_text="Status of the run, from its job result")
    duration = serializers.DurationField(read_only=True, help_text="Total time of the measured phases")

    class Meta:
        """Metadata."""

        model = Sync
        fields = "__all__"
        opt_in_fields = ["diff"]


class SyncLogEntrySerializer(BaseModelSerializer):
    """What happened to one object during a sync."""

    synced_object_type = ContentTypeField(queryset=ContentType.objects.all(), allow_null=True, required=False)

    class Meta:
        """Metadata."""

        model = SyncLogEntry
        fields = "__all__"


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
