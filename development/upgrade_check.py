"""Upgrade check: a database that nautobot-ssot 4.7.0 migrated and used, taken over by this app.

Run by ``invoke upgrade-check`` (and by the test gate after the unit tests). Steps:

1. a throwaway virtual environment gets nautobot-ssot 4.7.0 from PyPI; it sees this project's Nautobot
   and other packages through a ``.pth`` file, but not this app (4.7.0's ``nautobot_ssot`` is the one imported);
2. a database cloned from the test template (Nautobot's schema; an empty one when there is no template)
   is migrated by 4.7.0, which then records syncs through its models (``upgrade_steps.py record``);
3. with one 4.x migration record removed, this app's ``migrate`` must refuse and change nothing;
4. with the record back, this app's ``nautobot-server post_upgrade`` must succeed, and
   ``upgrade_steps.py verify`` reads everything back through our models, pages and REST API.

Exit status 0 when every step passed. Standard library only (it runs before anything is set up).
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

DEVELOPMENT = Path(__file__).resolve().parent
ROOT = DEVELOPMENT.parent
STEPS = DEVELOPMENT / "upgrade_steps.py"
DATABASE = "nautobot_ssot_upgrade_check"
OLD_VERSION = "nautobot-ssot==4.7.0"
REMOVED_RECORD = "0014_alter_sync_start_time_alter_synclogentry_timestamp"


def step(title: str) -> None:
    """Announce a step."""
    print(f"\n--> {title}", flush=True)


def run(args: list[str], env: dict[str, str], expect_ok: bool = True) -> subprocess.CompletedProcess:
    """Run a command, show its output's tail, stop the check when its outcome is not the expected one.

    Commands run in the temporary directory (``env["UPGRADE_CHECK_DIR"]``), never in the project root, where
    ``python -c`` would import this project's ``nautobot_ssot`` instead of 4.7.0's.
    """
    started = time.monotonic()
    cwd = env["UPGRADE_CHECK_DIR"]
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    output = (result.stdout + result.stderr).strip().splitlines()
    print("\n".join(f"    {line}" for line in output[-12:]))
    print(f"    (exit {result.returncode} in {time.monotonic() - started:.0f}s)", flush=True)
    if (result.returncode == 0) != expect_ok:
        sys.exit(f"upgrade check failed: {' '.join(args[:3])} exited {result.returncode}")
    return result


def old_environment(workdir: Path) -> Path:
    """Create the throwaway venv with nautobot-ssot 4.7.0; return its python."""
    venv = workdir / "ssot-4.7"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig;print(sysconfig.get_path('purelib'))"], text=True
        ).strip()
    )
    (site / "project-packages.pth").write_text(sysconfig.get_path("purelib") + "\n")
    pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), OLD_VERSION]
    subprocess.run(pip, check=True)
    return python


def base_env(workdir: Path) -> dict[str, str]:
    """The environment of every step: this project's settings, the check's own database."""
    env = dict(os.environ)
    env["UPGRADE_CHECK_DIR"] = str(workdir)
    env["NAUTOBOT_CONFIG"] = str(DEVELOPMENT / "nautobot_config.py")
    env["NAUTOBOT_DB_NAME"] = DATABASE
    env["NAUTOBOT_INSTALLATION_METRICS_ENABLED"] = "False"
    env.pop("PYTHONPATH", None)
    return env


def server(python: Path) -> list[str]:
    """``nautobot-server`` run by ``python``."""
    return [str(python), "-c", "import sys; from nautobot.core.cli import main; sys.exit(main())"]


def main() -> int:
    """Run the check."""
    ours = Path(sys.executable)
    with tempfile.TemporaryDirectory(prefix="ssot-upgrade-") as tmp:
        workdir = Path(tmp)
        env = base_env(workdir)
        step(f"throwaway environment with {OLD_VERSION}")
        old = old_environment(workdir)
        run(
            [
                str(old),
                "-c",
                "import nautobot_ssot as n, importlib.metadata as m; print(n.__file__, m.version('nautobot-ssot'))",
            ],
            env,
        )
        step(f"database {DATABASE}")
        run([str(ours), str(STEPS), "createdb", DATABASE], env)
        run([str(ours), str(STEPS), "clean", "nautobot_ssot"], env)
        step(f"migrate with {OLD_VERSION}")
        run([*server(old), "migrate", "--no-input"], env)
        step(f"record syncs through {OLD_VERSION}'s models")
        facts = workdir / "facts.json"
        run([str(old), str(STEPS), "record", str(facts)], env)
        step("refusal: one 4.x migration record removed, our migrate must stop and change nothing")
        run([str(ours), str(STEPS), "forget", REMOVED_RECORD], env)
        refused = run([*server(ours), "migrate", "--no-input"], env, expect_ok=False)
        if "cannot migrate this database" not in refused.stderr + refused.stdout:
            sys.exit("upgrade check failed: the refusal did not explain itself")
        run([str(ours), str(STEPS), "unchanged", REMOVED_RECORD], env)
        step("post_upgrade with this app")
        upgraded = run([*server(ours), "post_upgrade"], env)
        if "adopted a nautobot-ssot 4.x database" not in upgraded.stdout + upgraded.stderr:
            sys.exit("upgrade check failed: post_upgrade did not report what it adopted")
        step("verify through our models, pages and REST API")
        run([str(ours), str(STEPS), "verify", str(facts)], env)
        run([str(ours), str(STEPS), "dropdb", DATABASE], env)
    print("\nUpgrade check passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
