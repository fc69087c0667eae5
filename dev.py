#!/usr/bin/env python3
"""Bootstrap the development environment, then run an invoke task in it.

Usage::

    python3 dev.py start          # install if needed, then run Nautobot with this app
    python3 dev.py tests          # install if needed, then run the whole test gate
    python3 dev.py <task> [args]  # any task of tasks.py; ``python3 dev.py --list`` lists them

Only the Python standard library is used here: this script is what makes the rest available.
It creates ``.venv`` next to this file when it is missing and installs the project with its
``dev`` extra into it (``pip install -e ".[dev]"``). The installation is skipped when
``pyproject.toml`` has not changed since the last successful one (a hash is kept in
``.venv/nautobot-ssot-install.stamp``). The installation prints one line per step; pip's output goes
to ``development/.run/install.log`` (printed in part when it fails).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / "nautobot-ssot-install.stamp"
INSTALL_LOG = ROOT / "development" / ".run" / "install.log"
sys.path.insert(0, str(ROOT / "development"))
from steps import StepFailed, StepLog  # noqa: E402  (development/steps.py: standard library only)

MINIMUM_PYTHON = (3, 10)


def venv_bin(name: str) -> Path:
    """Path of an executable inside the virtual environment.

    Args:
        name: The executable's name, such as ``python`` or ``invoke``.

    Returns:
        The path under ``.venv/bin`` (``.venv/Scripts`` on Windows).
    """
    scripts = VENV / ("Scripts" if os.name == "nt" else "bin")
    return scripts / (f"{name}.exe" if os.name == "nt" else name)


def run(args: list[str]) -> None:
    """Run a command, echoing it first; stop this script when it fails.

    Args:
        args: The command and its arguments.
    """
    print("+", " ".join(args), flush=True)
    result = subprocess.run(args, cwd=ROOT, check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)


def create_venv() -> None:
    """Create ``.venv``; fall back to the outer pip when the ``venv`` module cannot provide pip."""
    if venv_bin("python").exists():
        return
    print(f"Creating the virtual environment in {VENV}", flush=True)
    created = subprocess.run([sys.executable, "-m", "venv", str(VENV)], cwd=ROOT, check=False)
    if created.returncode == 0:
        return
    # Some distributions ship Python without ``ensurepip``; pip itself can install into the venv.
    run([sys.executable, "-m", "venv", "--clear", "--without-pip", str(VENV)])
    run([sys.executable, "-m", "pip", "--python", str(venv_bin("python")), "install", "pip"])


def project_hash() -> str:
    """Fingerprint of what the installation depends on.

    Returns:
        The SHA-256 of ``pyproject.toml``.
    """
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def install() -> None:
    """Install the project and its ``dev`` extra unless the stamp says it is up to date."""
    wanted = project_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    log = StepLog(INSTALL_LOG).begin("python3 dev.py: installing the project into .venv")
    python = str(venv_bin("python"))
    try:
        log.run("Upgrading pip in .venv", [python, "-m", "pip", "install", "--upgrade", "pip"], cwd=ROOT)
        install = [python, "-m", "pip", "install", "-e", ".[dev]"]
        log.run("Installing nautobot_ssot with its dev extra into .venv (minutes the first time)", install, cwd=ROOT)
    except StepFailed as failed:
        sys.exit(failed.code)
    STAMP.write_text(wanted + "\n")


def main(argv: list[str]) -> int:
    """Prepare the environment and hand over to invoke.

    Args:
        argv: The task and its arguments, as given on the command line.

    Returns:
        The exit code of the invoke run.
    """
    if sys.version_info < MINIMUM_PYTHON:
        print(f"Python {'.'.join(map(str, MINIMUM_PYTHON))} or newer is needed; this is {sys.version}.")
        return 2
    create_venv()
    install()
    invoke = [str(venv_bin("invoke")), "--search-root", str(ROOT), *(argv or ["--list"])]
    try:
        return subprocess.run(invoke, cwd=ROOT, check=False).returncode
    except KeyboardInterrupt:  # invoke got the same Ctrl-C and reports for itself
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
