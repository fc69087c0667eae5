"""REST API URLs of nautobot_ssot."""

from nautobot.apps.api import OrderedDefaultRouter

from nautobot_ssot.api import views

router = OrderedDefaultRouter()
router.register("history", views.SyncViewSet)
router.register("logs", views.SyncLogEntryViewSet)

app_name = "nautobot_ssot-api"
urlpatterns = router.urls
