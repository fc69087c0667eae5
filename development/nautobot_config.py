"""Nautobot configuration for developing and testing nautobot_ssot.

Every setting comes from an environment variable (see ``invoke.yml.example`` and
``docs/dev/dev_environment.md``). Without ``NAUTOBOT_DB_HOST`` the embedded PostgreSQL
started by ``invoke start`` is used; without ``NAUTOBOT_REDIS_URL`` the embedded Redis.
"""

import os
import sys
from pathlib import Path

from nautobot.core.settings import *  # noqa: F403
from nautobot.core.settings_funcs import is_truthy

_DEVELOPMENT_DIR = Path(__file__).resolve().parent
# ``services`` lives next to this file; the repository root holds the ``tests`` package (test runner). The root
# goes last, so that an installed ``nautobot_ssot`` (4.7.0 in the upgrade check) is not shadowed by this checkout.
if str(_DEVELOPMENT_DIR) not in sys.path:
    sys.path.insert(0, str(_DEVELOPMENT_DIR))
if str(_DEVELOPMENT_DIR.parent) not in sys.path:
    sys.path.append(str(_DEVELOPMENT_DIR.parent))

import services  # noqa: E402

_state = services.read_state()

DEBUG = is_truthy(os.getenv("NAUTOBOT_DEBUG", "True"))
SECRET_KEY = os.getenv("NAUTOBOT_SECRET_KEY", "development-only-secret-key-change-me-0123456789abcdefghij")
ALLOWED_HOSTS = os.getenv("NAUTOBOT_ALLOWED_HOSTS", "*").split(" ")
INTERNAL_IPS = ["127.0.0.1"]

if services.wants_embedded_database():
    # Until the embedded server has been started, point at its data directory so a connection
    # error names the right place instead of silently reaching another local server.
    _db_host, _db_port, _db_user = _state.pg_socket_dir or str(services.PG_DATA), "", "postgres"
else:
    _db_host = os.environ["NAUTOBOT_DB_HOST"]
    _db_port = os.getenv("NAUTOBOT_DB_PORT", "")
    _db_user = os.getenv("NAUTOBOT_DB_USER", "postgres")

DATABASES = {
    "default": {
        "ENGINE": os.getenv("NAUTOBOT_DB_ENGINE", "django.db.backends.postgresql"),
        "NAME": os.getenv("NAUTOBOT_DB_NAME", "nautobot"),
        "USER": _db_user,
        "PASSWORD": os.getenv("NAUTOBOT_DB_PASSWORD", ""),
        "HOST": _db_host,
        "PORT": _db_port,
        "CONN_MAX_AGE": int(os.getenv("NAUTOBOT_DB_TIMEOUT", "300")),
        "TEST": {"NAME": os.getenv("NAUTOBOT_TEST_DB_NAME", "test_nautobot_ssot")},
    }
}
if "mysql" in DATABASES["default"]["ENGINE"]:
    DATABASES["default"]["OPTIONS"] = {"charset": "utf8mb4"}
    DATABASES["default"]["TEST"].update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_0900_ai_ci"})

if services.wants_embedded_redis():
    _redis_base = f"redis://127.0.0.1:{_state.redis_port}"
else:
    _redis_base = os.getenv("NAUTOBOT_REDIS_URL") or (
        f"redis://{os.environ['NAUTOBOT_REDIS_HOST']}:{os.getenv('NAUTOBOT_REDIS_PORT', '6379')}"
    )
_redis_base = _redis_base.rstrip("/")
_redis_db = int(os.getenv("NAUTOBOT_REDIS_DB", "0"))

CACHES["default"]["LOCATION"] = f"{_redis_base}/{_redis_db + 1}"  # noqa: F405
CELERY_BROKER_URL = f"{_redis_base}/{_redis_db}"
CELERY_RESULT_BACKEND = "nautobot.core.celery.backends.NautobotDatabaseBackend"

TEST_RUNNER = "tests.runner.SSoTTestRunner"
_FIXTURE_JOBS_ROOT = str(Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "jobs_root")
_RUNNING_TESTS = len(sys.argv) > 1 and sys.argv[1] == "test"
JOBS_ROOT = os.getenv("NAUTOBOT_JOBS_ROOT", _FIXTURE_JOBS_ROOT if _RUNNING_TESTS else JOBS_ROOT)  # noqa: F405

# Nautobot caches database content (custom field definitions, tree displays...) in Redis. Keep each
# database's entries apart, so that test databases, the demo's remote and the development database
# sharing one Redis never read each other's cached rows.
CACHES["default"]["KEY_PREFIX"] = (  # noqa: F405
    DATABASES["default"]["TEST"]["NAME"] if _RUNNING_TESTS else DATABASES["default"]["NAME"]
)

PLUGINS = ["nautobot_ssot"]
PLUGINS_CONFIG = {
    "nautobot_ssot": {
        "hide_example_jobs": is_truthy(os.getenv("NAUTOBOT_SSOT_HIDE_EXAMPLE_JOBS", "False")),
    }
}

LOG_LEVEL = os.getenv("NAUTOBOT_LOG_LEVEL", "INFO")
