"""REST API views: syncs (read and delete) and log entries (read only)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from nautobot.apps.api import BulkDestroyModelMixin, NotesViewSetMixin, ReadOnlyModelViewSet
from nautobot.apps.utils import normalize_querydict
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from nautobot_ssot.api import serializers
from nautobot_ssot.filters import SyncFilterSet, SyncLogEntryFilterSet
from nautobot_ssot.models import Sync, SyncConflict, SyncLogEntry
from nautobot_ssot.sync.plan import PlanError, enqueue_plan_apply


class SyncViewSet(NotesViewSetMixin, mixins.DestroyModelMixin, BulkDestroyModelMixin, ReadOnlyModelViewSet):
    """List, retrieve and delete syncs; lists load the JSON ``diff`` only when ``?include=diff`` asks for it."""

    queryset = Sync.objects.select_related("job_result")
    serializer_class = serializers.SyncSerializer
    filterset_class = SyncFilterSet

    def get_serializer_class(self):
        """Lists use the serializer whose ``diff`` is opt-in."""
        return serializers.SyncListSerializer if self.action == "list" else serializers.SyncSerializer

    def get_queryset(self):
        """Defer the JSON diff of listed syncs unless the request includes it."""
        queryset = super().get_queryset()
        include = normalize_querydict(self.request.query_params).get("include", [])
        if self.action == "list" and "diff" not in (include if isinstance(include, list) else [include]):
            queryset = queryset.defer("diff")
        return queryset

    @extend_schema(responses=serializers.SyncConflictSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="conflicts")
    def conflicts(self, request, pk=None):
        """The conflicts of this sync: fields it would overwrite that someone else changed in Nautobot (paged)."""
        sync = self.get_object()
        page = self.paginate_queryset(SyncConflict.objects.filter(sync=sync))
        return self.get_paginated_response(serializers.SyncConflictSerializer(page, many=True).data)

    @action(detail=True, methods=["post"], url_path="apply-plan", permission_classes=[IsAuthenticated])
    def apply_plan(self, request, pk=None):
        """Enqueue a run applying this dry run's plan (needs view on the sync and run on its job)."""
        plan = get_object_or_404(Sync.objects.restrict(request.user, "view"), pk=pk)
        try:
            job_result = enqueue_plan_apply(plan, request.user)
        except PlanError as error:
            return Response({"detail": str(error)}, status=status.HTTP_400_BAD_REQUEST)
        except PermissionDenied as error:
            return Response({"detail": str(error)}, status=status.HTTP_403_FORBIDDEN)
        return Response({"job_result": str(job_result.pk)}, status=status.HTTP_201_CREATED)


class SyncLogEntryViewSet(NotesViewSetMixin, ReadOnlyModelViewSet):
    """List and retrieve the log entries of syncs."""

    queryset = SyncLogEntry.objects.select_related("synced_object_type")
    serializer_class = serializers.SyncLogEntrySerializer
    filterset_class = SyncLogEntryFilterSet
