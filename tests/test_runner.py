"""The test runner's own messages: what it does with the test database, and why tests were skipped."""

import io
import unittest
from contextlib import redirect_stderr, redirect_stdout

from django.test import SimpleTestCase

from tests.runner import TEMPLATE_NAME, SSoTTestRunner, database_line, skip_summary


def skipping_suite() -> unittest.TestSuite:
    """Three skipped tests (two for one reason) and one that runs; defined here so that discovery skips them."""

    class Skipping(unittest.TestCase):
        @unittest.skip("chromium is not installed")
        def test_one(self):
            """Skipped."""

        @unittest.skip("chromium is not installed")
        def test_two(self):
            """Skipped."""

        @unittest.skip("needs PostgreSQL")
        def test_three(self):
            """Skipped."""

        def test_four(self):
            """Runs."""

    return unittest.defaultTestLoader.loadTestsFromTestCase(Skipping)


class RunnerMessagesTestCase(SimpleTestCase):
    def test_the_database_line_says_whether_the_template_is_built_or_cloned(self):
        self.assertIn("takes several minutes", database_line(False, "test_x"))
        self.assertIn(f"Building the test database template {TEMPLATE_NAME}", database_line(False, "test_x"))
        self.assertIn(
            f"Cloning the test database test_x from the template {TEMPLATE_NAME}", database_line(True, "test_x")
        )

    def test_skip_reasons_are_counted_most_frequent_first(self):
        skipped = [(None, "b"), (None, "a"), (None, "b")]
        self.assertEqual(skip_summary(skipped), ["Skipped 3 test(s):", "  2 x b", "  1 x a"])
        self.assertEqual(skip_summary([]), [])

    def test_a_run_ends_with_why_tests_were_skipped(self):
        suite = skipping_suite()
        shown, report = io.StringIO(), io.StringIO()
        with redirect_stdout(shown), redirect_stderr(report):
            result = SSoTTestRunner(verbosity=1).run_suite(suite)
        self.assertEqual(len(result.skipped), 3)
        self.assertIn("Skipped 3 test(s):\n  2 x chromium is not installed\n  1 x needs PostgreSQL\n", shown.getvalue())
