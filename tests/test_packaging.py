"""Tests of the package itself: integrations pinned to nautobot-ssot 4.x keep this app installed."""

import json
import subprocess
import sys
import tempfile
import zipfile
from importlib import metadata
from pathlib import Path

from nautobot.apps.testing import TestCase
from packaging.specifiers import SpecifierSet
from packaging.version import Version

PINS = (">=4.2,<5", ">=4.4,<5", ">=4.7,<5")
"""Requirements that integrations written for nautobot-ssot 4.x declare."""


def probe_wheel(directory: Path, pin: str) -> Path:
    """A minimal wheel of a throwaway integration that requires ``nautobot-ssot<pin>``."""
    name = "ssot_pin_probe-0.0.1"
    wheel = directory / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("ssot_pin_probe/__init__.py", "")
        archive.writestr(
            f"{name}.dist-info/METADATA",
            f"Metadata-Version: 2.1\nName: ssot-pin-probe\nVersion: 0.0.1\nRequires-Dist: nautobot-ssot{pin}\n",
        )
        archive.writestr(
            f"{name}.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        archive.writestr(f"{name}.dist-info/RECORD", "")
    return wheel


class VersionTestCase(TestCase):
    def test_the_installed_version_satisfies_4x_pins(self):
        version = Version(metadata.version("nautobot-ssot"))
        for pin in PINS:
            self.assertIn(version, SpecifierSet(pin), pin)

    def test_installing_a_4x_integration_keeps_this_app(self):
        """pip resolves the probe's pin with what is installed: it installs the probe and nothing else.

        ``--no-index`` keeps the test offline and deterministic: had our version not satisfied the pin,
        pip would need another nautobot-ssot and fail (with an index: install 4.7.0 over ours).
        """
        with tempfile.TemporaryDirectory() as tmp:
            wheel = probe_wheel(Path(tmp), PINS[0])
            report = Path(tmp) / "report.json"
            command = [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "--quiet"]
            result = subprocess.run(
                [*command, "--report", str(report), str(wheel)], capture_output=True, text=True, check=False
            )
            self.assertEqual(result.returncode, 0, result.stderr)
            installs = [item["metadata"]["name"] for item in json.loads(report.read_text())["install"]]
        self.assertEqual(installs, ["ssot-pin-probe"])
