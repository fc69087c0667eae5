"""Run the steps of a long command with one line of progress each, their output kept in a log file.

``python3 dev.py start`` installs packages, applies hundreds of migrations and loads demo data: thousands of
lines nobody reads unless something fails. Each step is run through a :class:`StepLog`, which appends the
command's output to the log file (``development/.run/start.log`` for ``start``) and prints one line::

    Applying the database migrations ... done (2 min 10 s)

When a step fails, the line says so and is followed by the end of the log and the log's path. Standard
library only: ``dev.py`` uses it before the virtual environment exists.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

TAIL_LINES = 40
"""Lines of the log printed when a step fails."""


class StepFailed(Exception):
    """A step's command failed; its output is in the step log."""

    def __init__(self, title: str, code: int):
        """Name the failed step and its exit code."""
        super().__init__(f"{title} failed (exit code {code})")
        self.code = code


def describe_seconds(seconds: float) -> str:
    """A duration in words: ``4 s``, ``2 min 10 s``."""
    rounded = round(seconds)
    minutes, rest = divmod(rounded, 60)
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@dataclass
class StepLog:
    """The log file of one command's steps, and the one line printed per step.

    Attributes:
        path: The log file; ``begin`` empties it.
        out: Where the progress lines go.
        clock: Seconds, for the durations.
    """

    path: Path
    out: TextIO = field(default_factory=lambda: sys.stdout)
    clock: Callable[[], float] = time.monotonic

    def begin(self, heading: str) -> StepLog:
        """Start a fresh log with ``heading``; return self."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(f"# {heading} ({time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        return self

    def run(self, title: str, args: list[str], env: Mapping[str, str] | None = None, cwd: Path | None = None) -> None:
        """Run one command with its output appended to the log; print ``title`` and how it ended.

        Raises:
            StepFailed: The command exited with a non-zero code (the log's tail and path were printed).
        """
        self._say(f"{title} ... ")
        started = self.clock()
        with self.path.open("a", encoding="utf-8") as log:
            log.write(f"\n## {title}\n$ {' '.join(args)}\n")
            log.flush()
            code = subprocess.run(  # noqa: S603  (our own command lines)
                args, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd, check=False
            ).returncode
        if code:
            self.fail(title)
            raise StepFailed(title, code)
        self._say(f"done ({describe_seconds(self.clock() - started)})\n")

    def fail(self, title: str) -> None:
        """Print that ``title`` failed, the end of the log, and where the whole log is."""
        self._say(f"failed\n\nLast lines of {self.shown_path}:\n{self.tail()}\n\n{title} failed; ")
        self._say(f"the whole log is {self.shown_path}\n")

    def tail(self, lines: int = TAIL_LINES) -> str:
        """The last ``lines`` lines of the log."""
        try:
            return "\n".join(self.path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    @property
    def shown_path(self) -> str:
        """The log's path, relative to the working directory when it is below it."""
        try:
            return str(self.path.relative_to(Path.cwd()))
        except ValueError:
            return str(self.path)

    def _say(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()
