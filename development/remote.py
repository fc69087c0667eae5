"""The demo's "remote" Nautobot: a second instance with its own database and port, for the example jobs.

``invoke start`` uses :class:`DemoRemote` to

1. write a random API token to ``development/.run/remote/token`` (kept across restarts) and export
   ``NAUTOBOT_SSOT_REMOTE_URL`` / ``NAUTOBOT_SSOT_REMOTE_TOKEN_FILE``, so that the local demo data step
   creates the ExternalIntegration "Demo remote Nautobot" and its SecretsGroup (a text-file secret);
2. create the remote database (cloned from the test template database when there is one, which makes
   migrating it take seconds), migrate it and seed it with ``development/demo.py`` in its remote role;
3. run ``nautobot-server runserver`` for it on its own port (8081 by default) in the background.

``invoke stop`` stops that web server, ``invoke status`` reports it. The module is imported by ``tasks.py``
(standard library and psutil only) and is also a script for the steps that need Nautobot set up::

    python development/remote.py createdb nautobot_remote   # create the remote database
    python development/remote.py check [--dry-run]          # run "Example Data Source", print its summary
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from steps import StepFailed, StepLog

DEVELOPMENT = Path(__file__).resolve().parent
RUN_DIR = DEVELOPMENT / ".run"
TEMPLATE_DATABASE = "nautobot_ssot_test_template"
REMOTE_REDIS_DB = "2"
"""Redis database number of the remote instance (cache in the next one), apart from the local instance's."""


def _nautobot_server() -> str:
    path = Path(sys.executable).parent / "nautobot-server"
    return str(path) if path.exists() else "nautobot-server"


@dataclass
class DemoRemote:
    """The remote demo Nautobot of the development environment.

    Attributes:
        port: Port its web server listens on (on 127.0.0.1).
        database: Name of its database, on the same server as the local one.
        run_dir: Where its pid file, log and token file live.
        echo: Called with each progress message.
        log: Where the output of its preparation steps goes, one line printed per step (``development/steps.py``);
            without one, their output is printed.
    """

    port: int = 8081
    database: str = "nautobot_remote"
    run_dir: Path = RUN_DIR
    echo: Callable[[str], None] = field(default=print)
    log: StepLog | None = None

    @property
    def url(self) -> str:
        """Base URL of the remote's web server."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def token_file(self) -> Path:
        """File holding the remote's API token (read by the local Secret)."""
        return self.run_dir / "remote" / "token"

    @property
    def pid_file(self) -> Path:
        """Pid file of the remote's web server."""
        return self.run_dir / "remote.pid"

    @property
    def log_file(self) -> Path:
        """Log of the remote's web server."""
        return self.run_dir / "remote.log"

    def token(self) -> str:
        """The remote's API token, created on first use and kept in ``token_file`` (readable by the owner only)."""
        if not self.token_file.exists():
            self.token_file.parent.mkdir(parents=True, exist_ok=True)
            self.token_file.touch(mode=0o600)
            self.token_file.write_text(secrets.token_hex(20))
        return self.token_file.read_text().strip()

    def environment(self) -> dict[str, str]:
        """Environment of the processes that run against the remote's database."""
        return {
            **os.environ,
            "NAUTOBOT_DB_NAME": self.database,
            "NAUTOBOT_REDIS_DB": REMOTE_REDIS_DB,
            "NAUTOBOT_SSOT_DEMO_ROLE": "remote",
            "NAUTOBOT_SSOT_REMOTE_TOKEN": self.token(),
        }

    def configure_local(self) -> None:
        """Export where the remote is, so that the local demo data step creates the integration pointing at it."""
        self.token()
        os.environ["NAUTOBOT_SSOT_REMOTE_URL"] = self.url
        os.environ["NAUTOBOT_SSOT_REMOTE_TOKEN_FILE"] = str(self.token_file)

    def start(self) -> None:
        """Create, migrate and seed the remote's database, then start its web server unless it runs already."""
        self._run("Remote: creating its database", [sys.executable, __file__, "createdb", self.database], os.environ)
        self._run("Remote: applying the database migrations", [_nautobot_server(), "migrate"], self.environment())
        self._run(
            "Remote: loading its demo inventory", [sys.executable, str(DEVELOPMENT / "demo.py")], self.environment()
        )
        if self.process() is not None:
            self.echo(f"remote is already running at {self.url}.")
            return
        self._spawn()

    def _run(self, title: str, args: list[str], env: dict[str, str]) -> None:
        if self.log is not None:
            try:
                self.log.run(title, args, env=env, cwd=DEVELOPMENT.parent)
            except StepFailed as failed:
                raise RuntimeError(f"Preparing the remote demo Nautobot failed: {failed}") from failed
            return
        self.echo("remote: " + " ".join(Path(args[0]).name if i == 0 else a for i, a in enumerate(args)))
        result = subprocess.run(args, env=env, cwd=DEVELOPMENT.parent, check=False)  # noqa: S603
        if result.returncode:
            raise RuntimeError(
                f"Preparing the remote demo Nautobot failed: {' '.join(args)} exited {result.returncode}"
            )

    def _spawn(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        args = [_nautobot_server(), "runserver", f"127.0.0.1:{self.port}", "--noreload", "--insecure"]
        with self.log_file.open("wb") as output:
            process = subprocess.Popen(  # noqa: S603  (our own command line)
                args,
                cwd=self.run_dir,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{process.pid}\n")
        self.echo(f"Started remote (pid {process.pid}) at {self.url}, log in {self.log_file}")

    def process(self):
        """The running web server process started by ``start``, or None."""
        import psutil  # noqa: PLC0415  (tasks.py has it; the script commands do not need it)

        try:
            process = psutil.Process(int(self.pid_file.read_text().strip()))
            ours = process.create_time() <= self.pid_file.stat().st_mtime + 2
            alive = process.status() != psutil.STATUS_ZOMBIE
        except (OSError, ValueError, psutil.Error):
            return None
        return process if ours and alive else None

    def answers(self) -> bool:
        """Whether the remote's REST API answers."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/status/", timeout=10):  # noqa: S310  (local URL)
                return True
        except urllib.error.HTTPError as error:
            return error.code in (401, 403)
        except (urllib.error.URLError, OSError):
            return False

    def wait(self, timeout: float) -> None:
        """Wait until the remote answers.

        Raises:
            RuntimeError: It stopped, or did not answer within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while not self.answers():
            if self.process() is None or time.monotonic() > deadline:
                tail = self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
                raise RuntimeError(f"The remote demo Nautobot at {self.url} did not come up. Log:\n{tail}")
            time.sleep(2)

    def stop(self) -> list[str]:
        """Stop the remote's web server (and what it spawned); return what was stopped."""
        import psutil  # noqa: PLC0415

        process = self.process()
        self.pid_file.unlink(missing_ok=True)
        if process is None:
            return []
        family = [process, *process.children(recursive=True)]
        for member in family:
            member.terminate()
        _, alive = psutil.wait_procs(family, timeout=20)
        for member in alive:
            member.kill()
        self.echo(f"Stopped remote (pid {process.pid}).")
        return [f"remote (pid {process.pid})"]

    def status_line(self) -> str:
        """One line for ``invoke status``."""
        process = self.process()
        if process is None:
            return f"{'remote':<18} stopped"
        state = "answering" if self.answers() else "not answering yet"
        return f"{'remote':<18} running (pid {process.pid}) at {self.url}/, {state}, database {self.database}"


def create_database(name: str) -> str:
    """Create database ``name`` on the local Nautobot's database server unless it exists.

    The clone of the test template database is tried first (Nautobot's schema, so migrating takes seconds);
    when there is no template, or it is in use, an empty database is created (migrating takes minutes).

    Returns:
        What was done.
    """
    import nautobot  # noqa: PLC0415

    nautobot.setup()
    from django.db import DatabaseError, connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname IN (%s, %s)", [name, TEMPLATE_DATABASE])
        existing = {row[0] for row in cursor.fetchall()}
        if name in existing:
            return f"database {name} exists"
        if TEMPLATE_DATABASE in existing:
            try:
                cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE_DATABASE}"')
                return f"database {name} cloned from {TEMPLATE_DATABASE}"
            except DatabaseError:
                pass
        cursor.execute(f'CREATE DATABASE "{name}"')
    return f"database {name} created empty (the first migration takes a few minutes)"


def check(integration_name: str, dryrun: bool = False, timeout: float = 600) -> int:
    """Run "Example Data Source" on the Celery worker (as the UI does) and print how it went.

    Args:
        integration_name: The ExternalIntegration to sync from.
        dryrun: Only compute the diff.
        timeout: Seconds to wait for the worker to finish the job.

    Returns:
        0 when the run succeeded, 1 otherwise.
    """
    import nautobot  # noqa: PLC0415

    nautobot.setup()
    from nautobot.extras.choices import JobResultStatusChoices  # noqa: PLC0415
    from nautobot.extras.models import JobResult  # noqa: PLC0415

    job_model, user, job_kwargs = _check_request(integration_name, dryrun)
    print(f"Enqueued {job_model.name!r} with {integration_name!r} (dry run: {dryrun}); waiting for the worker ...")
    result = JobResult.enqueue_job(job_model, user, job_kwargs=job_kwargs)
    deadline = time.monotonic() + timeout
    while result.status not in JobResultStatusChoices.READY_STATES:
        if time.monotonic() > deadline:
            print(f"The job did not finish within {timeout:.0f}s: is the Celery worker running (invoke status)?")
            return 1
        time.sleep(2)
        result.refresh_from_db()
    _print_outcome(result)
    return 0 if result.status == JobResultStatusChoices.STATUS_SUCCESS else 1


def _check_request(integration_name: str, dryrun: bool) -> tuple:
    """The job, the user running it and the job input of ``check``."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from nautobot.extras.models import ExternalIntegration, Job  # noqa: PLC0415

    job_model = Job.objects.get(module_name="nautobot_ssot.jobs.examples", job_class_name="ExampleDataSource")
    if not job_model.enabled:
        job_model.enabled = True
        job_model.save()
    username = os.getenv("NAUTOBOT_SSOT_ADMIN_USERNAME", "admin")
    user = (
        get_user_model().objects.filter(username=username).first()
        or get_user_model().objects.filter(is_superuser=True).first()
    )
    integration = ExternalIntegration.objects.get(name=integration_name)
    data = {"dryrun": dryrun, "integration": integration, "location": "", "tenant": ""}
    form = job_model.job_class.as_form(data={**data, "integration": str(integration.pk)})
    if not form.is_valid():
        raise RuntimeError(f"Invalid job input: {form.errors.as_text()}")
    return job_model, user, job_model.job_class.serialize_data(form.cleaned_data)


def _print_outcome(result) -> None:
    """Print the job's status, the sync's summary and outcome, and what the local Nautobot now holds."""
    from nautobot.dcim.models import Device, Interface, Location  # noqa: PLC0415
    from nautobot.ipam.models import IPAddress, Prefix  # noqa: PLC0415

    from nautobot_ssot.models import Sync  # noqa: PLC0415

    print(f"Job result {result.pk}: {result.status}")
    sync = Sync.objects.filter(job_result=result).first()
    if sync is None:
        print("No sync was recorded.")
        return
    summary = sync.summary or {}
    print("Sync summary: " + ", ".join(f"{key} {summary.get(key, 0)}" for key in sorted(summary)))
    print(f"Sync outcome: {sync.outcome}" + (f" ({sync.outcome_message})" if sync.outcome_message else ""))
    counts = {model._meta.verbose_name_plural: model.objects.count() for model in (Location, Device, Interface)}
    counts.update({model._meta.verbose_name_plural: model.objects.count() for model in (Prefix, IPAddress)})
    print("This Nautobot now has: " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".")


def main(argv: list[str]) -> int:
    """Script entry point (see the module docstring)."""
    sys.path.insert(0, str(DEVELOPMENT))
    if len(argv) == 2 and argv[0] == "createdb":
        print(create_database(argv[1]))
        return 0
    if argv and argv[0] == "check":
        names = [arg for arg in argv[1:] if not arg.startswith("--")]
        return check(names[0] if names else "Demo remote Nautobot", dryrun="--dry-run" in argv)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
