"""The step log of ``python3 dev.py start``: one line per step on screen, the output in the log file."""

import io
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "development"))
from steps import StepFailed, StepLog, describe_seconds  # noqa: E402  (development/steps.py, as tasks.py imports it)


def printing(lines: int, exit_code: int = 0) -> list[str]:
    """A command printing ``line 1`` .. ``line <lines>`` and exiting with ``exit_code``."""
    script = f"import sys\nfor n in range(1, {lines + 1}): print(f'line {{n}}')\nsys.exit({exit_code})"
    return [sys.executable, "-c", script]


class StepLogTestCase(SimpleTestCase):
    def setUp(self):
        directory = tempfile.TemporaryDirectory()
        self.addCleanup(directory.cleanup)
        self.out = io.StringIO()
        ticks = iter(range(0, 1000, 130))
        self.log = StepLog(Path(directory.name) / "run" / "start.log", out=self.out, clock=lambda: next(ticks))
        self.log.begin("test start")

    def test_a_step_prints_one_line_and_keeps_its_output_in_the_log(self):
        self.log.run("Applying the migrations", printing(500))
        self.assertEqual(self.out.getvalue(), "Applying the migrations ... done (2 min 10 s)\n")
        text = self.log.path.read_text()
        self.assertTrue(text.startswith("# test start ("))
        self.assertIn("## Applying the migrations\n$ ", text)
        self.assertIn("line 1\n", text)
        self.assertIn("line 500\n", text)

    def test_a_failed_step_prints_the_end_of_the_log_and_its_path(self):
        self.log.run("First", printing(1))
        with self.assertRaises(StepFailed) as raised:
            self.log.run("Loading the demo data", printing(100, exit_code=3))
        self.assertEqual(raised.exception.code, 3)
        shown = self.out.getvalue()
        self.assertIn("Loading the demo data ... failed\n", shown)
        self.assertIn("line 100", shown)
        self.assertIn("line 61\n", shown)
        self.assertNotIn("line 60\n", shown)
        self.assertIn(f"the whole log is {self.log.path}", shown)

    def test_durations_in_words(self):
        self.assertEqual([describe_seconds(s) for s in (0.4, 59.6, 130)], ["0 s", "1 min 0 s", "2 min 10 s"])
