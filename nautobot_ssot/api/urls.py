"""REST API URLs of nautobot_ssot."""

from nautobot.apps.api import OrderedDefaultRouter

from nautobot_ssot.api import views

router = OrderedDefaultRouter()
router.register("syncs", views.SyncViewSet)
router.register("sync-log-entries", views.SyncLogEntryViewSet)

app_name = "nautobot_ssot-api"
urlpatterns = router.urls
