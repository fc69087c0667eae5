"""Web UI URLs of nautobot_ssot."""

from django.urls import path
from nautobot.apps.urls import NautobotUIViewSetRouter

from nautobot_ssot import views

app_name = "nautobot_ssot"

router = NautobotUIViewSetRouter()
router.register("history", views.SyncUIViewSet)
router.register("logs", views.SyncLogEntryUIViewSet)

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("data-jobs/<uuid:pk>/", views.DataJobView.as_view(), name="data_job"),
    *router.urls,
]
