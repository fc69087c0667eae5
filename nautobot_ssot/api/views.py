"""REST API views: syncs (read and delete) and log entries (read only)."""

from nautobot.apps.api import BulkDestroyModelMixin, ReadOnlyModelViewSet
from nautobot.apps.utils import normalize_querydict
from rest_framework import mixins

from nautobot_ssot.api import serializers
from nautobot_ssot.filters import SyncFilterSet, SyncLogEntryFilterSet
from nautobot_ssot.models import Sync, SyncLogEntry


class SyncViewSet(mixins.DestroyModelMixin, BulkDestroyModelMixin, ReadOnlyModelViewSet):
    """List, retrieve and delete syncs; the JSON ``diff`` is loaded only when ``?include=diff`` asks for it."""

    queryset = Sync.objects.select_related("job_result")
    serializer_class = serializers.SyncSerializer
    filterset_class = SyncFilterSet

    def get_queryset(self):
        """Defer the JSON diff unless the request includes it."""
        queryset = super().get_queryset()
        include = normalize_querydict(self.request.query_params).get("include", [])
        if self.request.method == "GET" and "diff" not in (include if isinstance(include, list) else [include]):
            queryset = queryset.defer("diff")
        return queryset


class SyncLogEntryViewSet(ReadOnlyModelViewSet):
    """List and retrieve the log entries of syncs."""

    queryset = SyncLogEntry.objects.select_related("synced_object_type")
    serializer_class = serializers.SyncLogEntrySerializer
    filterset_class = SyncLogEntryFilterSet
