"""Servers for the example job tests: a real remote Nautobot on its own database, and a failing HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests
from django.db import connection, connections

ROOT = Path(__file__).resolve().parents[2]
NAUTOBOT_SERVER = str(Path(sys.executable).parent / "nautobot-server")
TEMPLATE = "nautobot_ssot_test_template"
TOKEN = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"  # noqa: S105  (test-only token of the throwaway remote)
START_SECONDS = 240


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_sql(sql: str) -> None:
    """Run one statement on the PostgreSQL server of the test database, outside any transaction."""
    settings = dict(connection.settings_dict, NAME="postgres")
    maintenance = connections["default"].__class__(settings, alias="__examples__")
    try:
        maintenance.ensure_connection()
        maintenance.connection.autocommit = True
        with maintenance.cursor() as cursor:
            cursor.execute(sql)
    finally:
        maintenance.close()


@dataclass
class RemoteNautobot:
    """A second Nautobot, served by ``nautobot-server runserver`` over HTTP, on a database cloned from the template.

    It is seeded with the demo inventory by ``development/demo.py`` (its remote role), with the API token ``TOKEN``.

    Attributes:
        database: Name of its database (dropped and re-created by ``start``).
        port: Its HTTP port.
    """

    database: str = field(default_factory=lambda: f"{connection.settings_dict['NAME']}_remote")
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    log_path: Path = field(default_factory=lambda: Path(tempfile.mkstemp(prefix="ssot-remote-", suffix=".log")[1]))

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """Environment of the processes working on its database."""
        return {
            **os.environ,
            "NAUTOBOT_CONFIG": str(ROOT / "development" / "nautobot_config.py"),
            "NAUTOBOT_DB_NAME": self.database,
            "NAUTOBOT_REDIS_DB": "6",
            "NAUTOBOT_SSOT_DEMO_ROLE": "remote",
            "NAUTOBOT_SSOT_REMOTE_TOKEN": TOKEN,
        }

    def start(self) -> None:
        """Create, migrate and seed its database, then serve it and wait until its API answers."""
        _server_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        _server_sql(f'CREATE DATABASE "{self.database}" TEMPLATE "{TEMPLATE}"')
        self._run([NAUTOBOT_SERVER, "migrate", "--verbosity", "0"])
        self.seed()
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [NAUTOBOT_SERVER, "runserver", f"127.0.0.1:{self.port}", "--noreload", "--insecure"],
                env=self.environment(),
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait()

    def seed(self) -> None:
        """Create the demo inventory objects that are missing on the remote."""
        self._run([sys.executable, str(ROOT / "development" / "demo.py")])

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(args, env=self.environment(), cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def _wait(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                requests.get(f"{self.url}/api/status/", timeout=5, headers=self.headers())
                return
            except requests.RequestException:
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"The remote Nautobot did not come up:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        """Stop serving and drop its database."""
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        _server_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        self.log_path.unlink(missing_ok=True)

    @staticmethod
    def headers() -> dict[str, str]:
        """Headers of an authenticated API request."""
        return {"Authorization": f"Token {TOKEN}", "Accept": "application/json"}

    def api(self, method: str, endpoint: str, **kwargs) -> requests.Response:
        """Send one request to its REST API (``endpoint`` like ``dcim/devices/?name=x``); fail on an error status."""
        response = requests.request(method, f"{self.url}/api/{endpoint}", headers=self.headers(), timeout=30, **kwargs)
        response.raise_for_status()
        return response

    def one(self, endpoint: str, **filters) -> dict:
        """The one object of a list endpoint matching ``filters``."""
        results = self.api("GET", f"{endpoint}/", params={**filters, "depth": 1}).json()["results"]
        if len(results) != 1:
            raise AssertionError(f"{len(results)} objects of {endpoint} match {filters}")
        return results[0]


class _FailingHandler(BaseHTTPRequestHandler):
    """Answers every request with the status in the server's ``status`` (or not at all, for a timeout)."""

    def do_GET(self) -> None:  # noqa: N802  (http.server's naming)
        status = self.server.status
        if status == 0:
            time.sleep(self.server.delay)
            return
        body = b'{"detail": "Injected failure"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        """Keep the test output quiet."""


class FailingServer(ThreadingHTTPServer):
    """A local HTTP server answering every GET with one error status, or (status 0) too late.

    Attributes:
        status: The HTTP status returned; 0 answers nothing for ``delay`` seconds.
        delay: Seconds to wait before closing, for status 0.
    """

    daemon_threads = True

    def __init__(self, status: int, delay: float = 5):
        """Listen on a free local port."""
        super().__init__(("127.0.0.1", 0), _FailingHandler)
        self.status = status
        self.delay = delay
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> FailingServer:
        """Start serving in a thread."""
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        """Stop serving."""
        self.shutdown()
        self.server_close()
