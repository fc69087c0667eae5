"""The examples of the developer pages on contrib (docs/dev/contrib/*.md) run against the test database."""

import re
from pathlib import Path

from django.db import transaction
from nautobot.apps.testing import TestCase

PAGES = Path(__file__).resolve().parents[2] / "docs" / "dev" / "contrib"
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def examples(page: Path) -> list[str]:
    """Return the ``python`` code blocks of a page, in order."""
    return PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))


class DocsExamplesTestCase(TestCase):
    """Every ``python`` block runs, page by page in one namespace, each page in a rolled-back transaction."""

    def test_every_page_has_examples(self):
        pages = sorted(PAGES.glob("*.md"))
        self.assertGreaterEqual(len(pages), 9)
        for page in pages:
            with self.subTest(page=page.name):
                self.assertTrue(examples(page), f"{page.name} has no python example")

    def test_examples_run(self):
        for page in sorted(PAGES.glob("*.md")):
            with self.subTest(page=page.name):
                self.run_page(page)

    def run_page(self, page: Path) -> None:
        namespace = {"__name__": f"docs_{page.stem}"}
        with transaction.atomic():
            for number, code in enumerate(examples(page), start=1):
                exec(compile(code, f"{page.name}, example {number}", "exec"), namespace)  # noqa: S102
            transaction.set_rollback(True)
