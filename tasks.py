"""Development tasks for nautobot_ssot.

Run them with ``python3 dev.py <task>`` (which prepares ``.venv`` first) or, inside the virtual
environment, ``invoke <task>``; ``invoke --list`` lists them and ``invoke --help <task>`` explains
one. Settings live under the ``nautobot_ssot`` key of ``invoke.yml`` (copy ``invoke.yml.example``);
every task points Nautobot at ``development/nautobot_config.py`` through ``NAUTOBOT_CONFIG``.

``start`` runs a complete Nautobot (web server, Celery worker, Celery beat) in the background and
records their process ids and logs in ``development/.run/``; it prints one line per step and keeps the
steps' output (migrations, demo data) in ``development/.run/start.log`` (see ``development/steps.py``);
``stop`` stops exactly those, plus the embedded PostgreSQL/Redis servers when ``start`` was the one that
started them.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
from invoke import Collection, Context, Exit, task
from invoke.config import DataProxy

ROOT = Path(__file__).resolve().parent
DEVELOPMENT = ROOT / "development"
RUN_DIR = DEVELOPMENT / ".run"
NAUTOBOT_CONFIG = DEVELOPMENT / "nautobot_config.py"
SERVICES_RECORD = RUN_DIR / "services.json"
WEB_URL_RECORD = RUN_DIR / "web.url"
START_LOG = RUN_DIR / "start.log"
BACKGROUND = ("web", "worker", "beat")
APP_LABEL = "nautobot_ssot"

sys.path.insert(0, str(DEVELOPMENT))
import remote  # noqa: E402  (development/remote.py: the demo's remote Nautobot)
import services  # noqa: E402  (development/services.py; stdlib-only at import time)
from steps import StepFailed, StepLog  # noqa: E402  (development/steps.py)

DEFAULTS = {
    "web_host": "127.0.0.1",
    "web_port": 8080,
    "web_autoreload": True,
    "admin_username": "admin",
    "admin_password": "admin",
    "admin_email": "admin@example.com",
    "demo_data": True,
    "celery_concurrency": 2,
    "log_level": "INFO",
    "start_timeout": 900,
    "docs_address": "127.0.0.1:8001",
    "test_label": "tests",
    "env": {},
    "remote_port": 8081,
    "remote_database": "nautobot_remote",
}


# --------------------------------------------------------------------------- environment


def _settings(c: Context) -> DataProxy:
    return c.config.nautobot_ssot


def _prepare(c: Context) -> None:
    """Set the process environment every task relies on (inherited by everything it runs)."""
    for key, value in (_settings(c).get("env") or {}).items():
        os.environ.setdefault(str(key), str(value))
    os.environ["NAUTOBOT_CONFIG"] = str(NAUTOBOT_CONFIG)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # keep the docs build output to the point
    scripts = sysconfig.get_path("scripts")
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")


def _tool(name: str) -> str:
    """Absolute path of a console script installed next to the running Python."""
    path = Path(sysconfig.get_path("scripts")) / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def _nautobot_server(*args: str) -> list[str]:
    return [_tool("nautobot-server"), *args]


def _run(c: Context, args: list[str], warn: bool = False) -> bool:
    """Run a command from the repository root; return whether it succeeded."""
    result = c.run(shlex.join(args), warn=warn, pty=False, echo=True)
    return bool(result and result.ok)


def _interactive(args: list[str]) -> None:
    """Run a command attached to this terminal; exit with its status when it fails."""
    code = subprocess.run(args, cwd=ROOT, check=False).returncode
    if code:
        raise Exit(code=code)


def _redis_description() -> str:
    if services.wants_embedded_redis():
        return f"embedded Redis (data in {services.REDIS_DIR})"
    url = os.getenv("NAUTOBOT_REDIS_URL") or (
        f"redis://{os.getenv('NAUTOBOT_REDIS_HOST')}:{os.getenv('NAUTOBOT_REDIS_PORT', '6379')}"
    )
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"  # without credentials


def _describe_backends() -> list[str]:
    if services.wants_embedded_database():
        database = f"embedded PostgreSQL (data in {services.PG_DATA})"
    else:
        user, name = os.getenv("NAUTOBOT_DB_USER", "postgres"), os.getenv("NAUTOBOT_DB_NAME", "nautobot")
        host, port = os.environ["NAUTOBOT_DB_HOST"], os.getenv("NAUTOBOT_DB_PORT", "default port")
        database = f"{user}@{host}:{port}/{name}"
    return [f"database: {database}", f"redis:    {_redis_description()}"]


# --------------------------------------------------------------------------- embedded servers


def _recorded_services() -> list[str]:
    try:
        return list(json.loads(SERVICES_RECORD.read_text()))
    except (OSError, ValueError):
        return []


def _record_services(names: list[str]) -> None:
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    SERVICES_RECORD.write_text(json.dumps(sorted(set(names))))


def _start_services() -> list[str]:
    if not services.wanted():
        return []
    started = services.start()
    for name in started:
        print(f"Started the embedded {name} server.")
    return started


@contextmanager
def _services_for_task() -> Iterator[None]:
    """Provide the embedded servers for one task and stop again those it had to start.

    When an environment from ``invoke start`` is running, the servers are handed over to it instead
    (``invoke stop`` will stop them).
    """
    started = _start_services()
    try:
        yield
    finally:
        if started and any(_process(name) for name in BACKGROUND):
            _record_services(_recorded_services() + started)
        elif started:
            for line in services.stop(started):
                print(f"Stopped {line}.")


# --------------------------------------------------------------------------- background processes


def _pid_file(name: str) -> Path:
    return RUN_DIR / f"{name}.pid"


def _log_file(name: str) -> Path:
    return RUN_DIR / f"{name}.log"


def _process(name: str) -> psutil.Process | None:
    """The live process recorded in ``<name>.pid``, if it still is the one ``start`` launched."""
    pid_file = _pid_file(name)
    try:
        process = psutil.Process(int(pid_file.read_text().strip()))
        alive = process.status() != psutil.STATUS_ZOMBIE
        # A process created after the pid file was written got a recycled pid: not ours.
        ours = process.create_time() <= pid_file.stat().st_mtime + 2
    except (OSError, ValueError, psutil.Error):
        return None
    return process if alive and ours else None


def _spawn(name: str, args: list[str], cwd: Path) -> None:
    """Start a detached background process with its output in ``development/.run/<name>.log``."""
    RUN_DIR.mkdir(parents=True, exist_ok=True)
    log = _log_file(name)
    if log.exists():
        log.replace(log.with_suffix(".log.1"))
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603  (our own command line)
            args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    _pid_file(name).write_text(f"{process.pid}\n")
    print(f"Started {name} (pid {process.pid}), log in {log.relative_to(ROOT)}")


def _terminate(names: tuple[str, ...]) -> list[str]:
    """Stop background processes and everything they spawned, all at once; return the names stopped."""
    running = {name: _process(name) for name in names}
    for name in names:
        _pid_file(name).unlink(missing_ok=True)
    parents = {name: process for name, process in running.items() if process is not None}
    family = [member for process in parents.values() for member in (process, *process.children(recursive=True))]
    for process in parents.values():
        process.terminate()
    psutil.wait_procs(list(parents.values()), timeout=20)
    leftovers = [member for member in family if member.is_running()]
    for member in leftovers:
        member.terminate()
    _, alive = psutil.wait_procs(leftovers, timeout=5)
    for member in alive:
        member.kill()
    for name, process in parents.items():
        print(f"Stopped {name} (pid {process.pid}).")
    return list(parents)


def _log_tail(name: str, lines: int = 30) -> str:
    try:
        return "\n".join(_log_file(name).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _fail_if_dead(name: str) -> None:
    if _process(name) is None:
        raise Exit(f"{name} stopped unexpectedly; end of {_log_file(name).relative_to(ROOT)}:\n{_log_tail(name)}", 1)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310  (local http URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _wait_until(check: Callable[[], bool], watched: tuple[str, ...], deadline: float, what: str) -> None:
    """Poll ``check`` until it passes; fail early when a watched process dies or time runs out."""
    while not check():
        for name in watched:
            _fail_if_dead(name)
        if time.monotonic() > deadline:
            raise Exit(f"Timed out waiting for {what}; see the logs in {RUN_DIR.relative_to(ROOT)}/", 1)
        time.sleep(2)


def _log_contains(name: str, text: str) -> bool:
    try:
        return text in _log_file(name).read_text(errors="replace")
    except OSError:
        return False


# --------------------------------------------------------------------------- start helpers


def _web_url(c: Context) -> str:
    host = str(_settings(c).web_host)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104  (comparing, not binding)
    return f"http://{shown}:{_settings(c).web_port}/"


def _port_in_use(c: Context) -> bool:
    return services._port_open(int(_settings(c).web_port))  # noqa: SLF001  (shared helper)


def _migrate_and_load(c: Context, log: StepLog) -> None:
    settings = _settings(c)
    log.run("Applying the database migrations (minutes the first time)", _nautobot_server("migrate"), cwd=ROOT)
    os.environ.setdefault("NAUTOBOT_SSOT_ADMIN_USERNAME", str(settings.admin_username))
    os.environ.setdefault("NAUTOBOT_SSOT_ADMIN_PASSWORD", str(settings.admin_password))
    os.environ.setdefault("NAUTOBOT_SSOT_ADMIN_EMAIL", str(settings.admin_email))
    os.environ.setdefault("NAUTOBOT_SSOT_DEMO_DATA", str(bool(settings.demo_data)))
    log.run("Creating the admin user and the demo data", [sys.executable, str(DEVELOPMENT / "demo.py")], cwd=ROOT)


def _spawn_web(c: Context) -> None:
    settings = _settings(c)
    if _process("web"):
        print("web is already running.")
        return
    if _port_in_use(c):
        raise Exit(f"Port {settings.web_port} is taken by another program; set web_port in invoke.yml.", 1)
    args = _nautobot_server("runserver", f"{settings.web_host}:{settings.web_port}", "--insecure")
    _spawn("web", args if settings.web_autoreload else [*args, "--noreload"], ROOT)
    WEB_URL_RECORD.write_text(_web_url(c))


def _spawn_celery(c: Context) -> None:
    settings = _settings(c)
    level = str(settings.log_level)
    worker = ["worker", "--loglevel", level, "--concurrency", str(settings.celery_concurrency)]
    for name, args in (("worker", worker), ("beat", ["beat", "--loglevel", level])):
        if _process(name):
            print(f"{name} is already running.")
        else:
            _spawn(name, _nautobot_server("celery", *args), RUN_DIR)


def _wait_for_environment(c: Context) -> None:
    deadline = time.monotonic() + float(_settings(c).start_timeout)
    login = _web_url(c) + "login/"
    _wait_until(lambda: _answers(login), BACKGROUND, deadline, f"the web server at {login}")
    _wait_until(lambda: _log_contains("worker", " ready."), BACKGROUND, deadline, "the Celery worker")
    _wait_until(lambda: _log_contains("beat", "beat: Starting"), BACKGROUND, deadline, "Celery beat")


# --------------------------------------------------------------------------- tasks: environment


@task(help={"port": "Web server port for this run (default: web_port from invoke.yml, 8080)."})
def start(c: Context, port: int = 0) -> None:
    """Start Nautobot with this app: services, migrations, admin user, demo data, web, worker, beat.

    One line is printed per step; what the steps print goes to ``development/.run/start.log``.
    """
    _prepare(c)
    if port:
        _settings(c).web_port = port
    print("\n".join(_describe_backends()))
    log = StepLog(START_LOG).begin("python3 dev.py start")
    print(f"Details of each step: {log.shown_path}")
    try:
        _start_steps(c, log)
    except StepFailed as failed:
        raise Exit(code=failed.code) from None
    settings = _settings(c)
    print(f"\nNautobot is running at {_web_url(c)}")
    print(f"Log in as {settings.admin_username} / {settings.admin_password}")
    print("`python3 dev.py status` shows what runs, `python3 dev.py stop` stops it.")


def _start_steps(c: Context, log: StepLog) -> None:
    """The steps of ``start``, each one line (see ``development/steps.py``)."""
    _record_services(_recorded_services() + _start_services())
    demo_remote = _demo_remote(c, log=log)
    if demo_remote:
        demo_remote.configure_local()
    _migrate_and_load(c, log)
    if demo_remote:
        _remote_step(demo_remote.start)
    _spawn_web(c)
    _spawn_celery(c)
    print("Waiting for the web server, the Celery worker and Celery beat ...")
    _wait_for_environment(c)
    if demo_remote:
        _remote_step(lambda: demo_remote.wait(float(_settings(c).start_timeout)))
        print(
            f"The demo's remote Nautobot is running at {demo_remote.url}/ (`python3 dev.py demo-check` syncs from it)."
        )


@task
def stop(c: Context) -> None:
    """Stop what `start` started: web server, Celery worker and beat, and embedded servers it started."""
    _prepare(c)
    stopped = _terminate(BACKGROUND) + _demo_remote(c, always=True).stop()
    for line in services.stop(_recorded_services()):
        print(f"Stopped {line}.")
        stopped.append(line)
    SERVICES_RECORD.unlink(missing_ok=True)
    WEB_URL_RECORD.unlink(missing_ok=True)
    if not stopped:
        print("Nothing was running.")


def _status_line(name: str) -> str:
    process = _process(name)
    state = f"running (pid {process.pid})" if process else "stopped"
    if process and name == "web" and WEB_URL_RECORD.exists():
        url = WEB_URL_RECORD.read_text().strip()
        state += f" at {url}, " + ("answering" if _answers(url + "login/") else "not answering yet")
    return f"{name:<18} {state}"


def _service_lines() -> list[str]:
    owned = _recorded_services()
    running = services.status()
    lines = []
    for name, wanted in (
        (services.POSTGRES, services.wants_embedded_database()),
        (services.REDIS, services.wants_embedded_redis()),
    ):
        label = f"embedded {name}"
        state = "running" if running[label] else "stopped"
        if running[label] and name in owned:
            state += " (started by `invoke start`)"
        lines.append(f"{label:<18} {state}" + ("" if wanted else ", not used: an external server is configured"))
    return lines


@task
def status(c: Context) -> None:
    """Show whether the web server, Celery worker, Celery beat and embedded servers are running."""
    _prepare(c)
    for line in [*(_status_line(name) for name in BACKGROUND), *_service_lines(), *_describe_backends()]:
        print(line)
    print(_demo_remote(c, always=True).status_line())


def _demo_remote(c: Context, always: bool = False, log: StepLog | None = None) -> remote.DemoRemote | None:
    """The demo's remote Nautobot (none when demo data is off, unless ``always``); its steps go to ``log``."""
    settings = _settings(c)
    if not (always or settings.demo_data):
        return None
    port, database = int(settings.remote_port), str(settings.remote_database)
    return remote.DemoRemote(port=port, database=database, run_dir=RUN_DIR, log=log)


def _remote_step(step: Callable[[], None]) -> None:
    try:
        step()
    except RuntimeError as error:
        raise Exit(str(error), 1) from error


@task(
    help={
        "integration": 'External integration to sync from (default: "Demo remote Nautobot").',
        "dry_run": "Only compute the diff.",
    }
)
def demo_check(c: Context, integration: str = "Demo remote Nautobot", dry_run: bool = False) -> None:
    """Run "Example Data Source" on the running worker (as the UI does) and print its summary."""
    _prepare(c)
    args = [sys.executable, str(DEVELOPMENT / "remote.py"), "check", integration, *(["--dry-run"] if dry_run else [])]
    if not _run(c, args, warn=True):
        raise Exit("The example data source run did not succeed.", 1)


# --------------------------------------------------------------------------- tasks: database


@task
def migrate(c: Context) -> None:
    """Apply database migrations (Nautobot's and this app's)."""
    _prepare(c)
    with _services_for_task():
        _run(c, _nautobot_server("migrate"))


@task(help={"name": "Name of the new migration (optional)."})
def makemigrations(c: Context, name: str = "") -> None:
    """Create migrations for changes to this app's models."""
    _prepare(c)
    with _services_for_task():
        _run(c, _nautobot_server("makemigrations", APP_LABEL, *(["--name", name] if name else [])))


def _check_migrations(c: Context) -> bool:
    return _run(c, _nautobot_server("makemigrations", APP_LABEL, "--check", "--dry-run"), warn=True)


@task
def check_migrations(c: Context) -> None:
    """Fail when a model change has no migration yet."""
    _prepare(c)
    with _services_for_task():
        if not _check_migrations(c):
            raise Exit("Missing migrations: run `invoke makemigrations`.", 1)


@task(help={"username": "Login name (prompted for when omitted)."})
def createsuperuser(c: Context, username: str = "") -> None:
    """Create a Nautobot superuser interactively."""
    _prepare(c)
    with _services_for_task():
        _interactive(_nautobot_server("createsuperuser", *(["--username", username] if username else [])))


@task
def nbshell(c: Context) -> None:
    """Open Nautobot's interactive shell with all models imported."""
    _prepare(c)
    with _services_for_task():
        _interactive(_nautobot_server("nbshell"))


# --------------------------------------------------------------------------- tasks: quality gate


def _ruff(c: Context, fix: bool = False) -> bool:
    ruff_cmd = _tool("ruff")
    lint = _run(c, [ruff_cmd, "check", *(["--fix"] if fix else []), "."], warn=True)
    fmt = _run(c, [ruff_cmd, "format", *([] if fix else ["--check"]), "."], warn=True)
    return lint and fmt


@task(help={"fix": "Apply automatic fixes and reformat instead of only checking."})
def ruff(c: Context, fix: bool = False) -> None:
    """Lint with ruff and check formatting (`--fix` to fix and reformat)."""
    _prepare(c)
    if not _ruff(c, fix):
        raise Exit("ruff found problems.", 1)


def _docs(c: Context) -> bool:
    return _run(c, [_tool("mkdocs"), "build", "--strict"], warn=True)


@task(help={"serve": "Serve the docs with live reload instead of building once."})
def docs(c: Context, serve: bool = False) -> None:
    """Build the documentation strictly (warnings are errors), or serve it with `--serve`."""
    _prepare(c)
    if serve:
        _interactive([_tool("mkdocs"), "serve", "--dev-addr", str(_settings(c).docs_address)])
    elif not _docs(c):
        raise Exit("The documentation does not build cleanly.", 1)


ISOLATED_TAG = "isolated"
"""Tests run by the gate in a process of their own (see tests/contrib/test_writers_dispatch.py)."""


def _unittest_command(c: Context, options: dict) -> list[str]:
    args = ["test", options["label"] or str(_settings(c).test_label)]
    args += options.get("tags", [])
    args += ["--keepdb"] if options["keepdb"] else []
    args += ["--failfast"] if options["failfast"] else []
    args += ["--buffer"] if options["buffer"] else []
    args += ["--verbosity", "2"] if options["verbose"] else []
    if options["coverage"]:
        return [_tool("coverage"), "run", _tool("nautobot-server"), *args]
    return _nautobot_server(*args)


def _unittest(c: Context, **options: object) -> bool:
    ok = _run(c, _unittest_command(c, options), warn=True)
    if options["coverage"]:
        _run(c, [_tool("coverage"), "report", "--skip-covered"], warn=True)
    return ok


@task(
    help={
        "label": "Test module, class or method, e.g. tests.test_app (default: the whole suite).",
        "keepdb": "Reuse the test database between runs (default on; --no-keepdb rebuilds it).",
        "failfast": "Stop at the first failing test.",
        "buffer": "Hide the output of passing tests.",
        "verbose": "List every test as it runs.",
        "coverage": "Measure code coverage and print a report.",
    }
)
def unittest(
    c: Context,
    *,
    label: str = "",
    keepdb: bool = True,
    failfast: bool = False,
    buffer: bool = False,
    verbose: bool = False,
    coverage: bool = False,
) -> None:
    """Run the unit tests with Nautobot's test runner."""
    _prepare(c)
    with _services_for_task():
        ok = _unittest(
            c, label=label, keepdb=keepdb, failfast=failfast, buffer=buffer, verbose=verbose, coverage=coverage
        )
    if not ok:
        raise Exit("Unit tests failed.", 1)


def _ensure_chromium(c: Context) -> bool:
    """Install Debian's Chromium for the browser test when it is missing (needs root and apt-get)."""
    chromium = os.getenv("NAUTOBOT_SSOT_CHROMIUM", "/usr/bin/chromium")
    if Path(chromium).exists():
        return True
    if not shutil.which("apt-get") or os.geteuid() != 0:
        print(f"{chromium} is missing: install Debian's chromium package (apt-get install chromium chromium-driver).")
        return False
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    c.run("apt-get update -q", env=env, warn=True)
    return bool(c.run("apt-get install -y -q chromium chromium-driver", env=env, warn=True)) and Path(chromium).exists()


def _gate_steps(c: Context, failfast: bool) -> list[tuple[str, Callable[[], bool]]]:
    return [
        ("ruff", lambda: _ruff(c)),
        ("check-migrations", lambda: _check_migrations(c)),
        ("docs", lambda: _docs(c)),
        ("chromium", lambda: _ensure_chromium(c)),
        ("unittest", lambda: _gate_unittest(c, failfast, ["--exclude-tag", ISOLATED_TAG])),
        ("unittest-isolated", lambda: _gate_unittest(c, failfast, ["--tag", ISOLATED_TAG])),
        ("upgrade-check", lambda: _upgrade_check(c)),
    ]


def _gate_unittest(c: Context, failfast: bool, tags: list[str]) -> bool:
    options = {"keepdb": True, "failfast": failfast, "buffer": True, "verbose": False, "coverage": False}
    return _unittest(c, label="", tags=tags, **options)


def _upgrade_check(c: Context) -> bool:
    return _run(c, [sys.executable, str(DEVELOPMENT / "upgrade_check.py")], warn=True)


@task
def upgrade_check(c: Context) -> None:
    """Take over a database that nautobot-ssot 4.7.0 migrated and used (docs/admin/migrating_from_4x.md)."""
    _prepare(c)
    with _services_for_task():
        if not _upgrade_check(c):
            raise Exit("The upgrade check failed.", 1)


@task(
    help={
        "sites": "Number of synthetic sites (default 5000).",
        "paths": "Comma-separated paths: standard (4.x-style), default, bulk, floor (default all four).",
        "repeat": "Run each path this many times and keep the fastest run of each phase (default 1).",
        "workload": "sites or network (devices, interfaces, IP addresses, prefixes, VLANs).",
        "devices": "Number of devices of the network workload (default 60).",
        "database": "Database to run in (created from the test template when missing).",
        "freeze-startup-heap": "Freeze the heap once set up, as a worker does with freeze_worker_startup_heap.",
    }
)
def benchmark(  # noqa: PLR0913  (the benchmark's options)
    c: Context,
    *,
    sites: int = 5000,
    paths: str = "standard,default,bulk,floor",
    repeat: int = 1,
    workload: str = "sites",
    devices: int = 60,
    database: str = "ssot_benchmark",
    freeze_startup_heap: bool = False,
) -> None:
    """Benchmark the 4.x-style, default and bulk write paths end to end, and the floor (docs/dev/performance.md)."""
    _prepare(c)
    with _services_for_task():
        script = str(DEVELOPMENT / "benchmark.py")
        command = [sys.executable, script, "--sites", str(sites), "--paths", paths, "--repeat", str(repeat)]
        command += ["--workload", workload, "--devices", str(devices), "--database", database]
        command += ["--freeze-startup-heap"] if freeze_startup_heap else []
        if not _run(c, command, warn=True):
            raise Exit("The benchmark failed.", 1)


@task(help={"failfast": "Stop at the first failing step (and the first failing test)."})
def tests(c: Context, failfast: bool = False) -> None:
    """Run the whole gate: ruff, migrations check, strict docs build, unit tests, upgrade check.

    The browser test's screenshots go to ``development/.run/screenshots`` here, so the gate leaves the
    working tree clean; ``invoke unittest --label tests.browser`` refreshes the ones in ``docs/user/images``.
    """
    _prepare(c)
    os.environ.setdefault("NAUTOBOT_SSOT_SCREENSHOT_DIR", str(RUN_DIR / "screenshots"))
    results: dict[str, bool] = {}
    with _services_for_task():
        for name, step in _gate_steps(c, failfast):
            print(f"\n==> {name}", flush=True)
            started = time.monotonic()
            results[name] = step()
            print(f"<== {name}: {'passed' if results[name] else 'FAILED'} in {time.monotonic() - started:.0f}s")
            if failfast and not results[name]:
                break
    print("\nGate summary: " + ", ".join(f"{name} {'ok' if ok else 'FAILED'}" for name, ok in results.items()))
    if not all(results.values()):
        raise Exit("The gate failed.", 1)
    print("All checks passed.")


ns = Collection(
    start,
    stop,
    status,
    migrate,
    makemigrations,
    check_migrations,
    createsuperuser,
    nbshell,
    ruff,
    docs,
    unittest,
    tests,
    benchmark,
    demo_check,
    upgrade_check,
)
ns.configure({"nautobot_ssot": DEFAULTS})
