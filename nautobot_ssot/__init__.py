"""Single Source of Truth: sync jobs that keep Nautobot and other systems in agreement."""

from importlib import metadata

from django.db import connections
from django.db.models.signals import pre_migrate
from nautobot.apps import NautobotAppConfig

__version__ = metadata.version(__name__.replace("_", "-"))


class NautobotSSOTAppConfig(NautobotAppConfig):
    """App configuration for nautobot_ssot."""

    name = "nautobot_ssot"
    verbose_name = "Single Source of Truth"
    version = __version__
    author = "nautobot_ssot developers"
    description = "Single Source of Truth sync jobs: keep Nautobot and other systems in agreement."
    base_url = "ssot"
    required_settings = []
    min_version = "3.0.0"
    max_version = "3.9999"
    default_settings = {
        "hide_example_jobs": False,
        "enable_global_search": True,
        "skip_auto_component_creation": False,
        "freeze_worker_startup_heap": False,
    }
    caching_config = {}

    def ready(self) -> None:
        """Register the app: refuse to migrate a database it cannot adopt, offer its models to the global search.

        With ``freeze_worker_startup_heap``, each Celery worker process freezes its startup heap when it starts
        (``nautobot_ssot.utils.heap``).
        """
        super().ready()
        pre_migrate.connect(refuse_unmigratable_database, sender=self, dispatch_uid="nautobot_ssot_upgrade_check")
        from django.conf import settings  # noqa: PLC0415  (settings are read once the app is loaded)

        from nautobot_ssot.utils.heap import freeze_worker_heaps  # noqa: PLC0415  (imports Celery)

        app_settings = settings.PLUGINS_CONFIG.get("nautobot_ssot", {})
        enabled = app_settings.get("enable_global_search", True)
        self.searchable_models = ["sync", "synclogentry"] if enabled else []
        freeze_worker_heaps(bool(app_settings.get("freeze_worker_startup_heap", False)))


def refuse_unmigratable_database(sender, using: str = "default", **kwargs) -> None:
    """Stop ``migrate`` with a clear message when the database holds a nautobot_ssot state we cannot adopt."""
    from nautobot_ssot.upgrade.history import check_migratable  # noqa: PLC0415  (needs the app registry)

    check_migratable(connections[using])


config = NautobotSSOTAppConfig
