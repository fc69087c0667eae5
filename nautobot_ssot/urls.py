"""Web UI URLs of nautobot_ssot."""

from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView
from nautobot.apps.urls import NautobotUIViewSetRouter

from nautobot_ssot import progress_ui, views

app_name = "nautobot_ssot"

router = NautobotUIViewSetRouter()
router.register("history", views.SyncUIViewSet)
router.register("logs", views.SyncLogEntryUIViewSet)

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("data-jobs/<uuid:pk>/", views.DataJobView.as_view(), name="data_job"),
    path("data-sources/<path:class_path>/", views.DataJobView.as_view(), name="data_source"),
    path("data-targets/<path:class_path>/", views.DataJobView.as_view(), name="data_target"),
    path("history/<uuid:pk>/progress/", progress_ui.SyncProgressView.as_view(), name="sync_progress"),
    path("job-results/<uuid:pk>/progress/", progress_ui.JobResultProgressView.as_view(), name="jobresult_progress"),
    path("config/", views.SSOTConfigView.as_view(), name="config"),
    path("docs/", RedirectView.as_view(url=static("nautobot_ssot/docs/index.html")), name="docs"),
    *router.urls,
]
