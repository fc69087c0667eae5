"""Tests of the app configuration."""

from django.apps import apps
from nautobot.apps.testing import TestCase


class AppConfigTestCase(TestCase):
    def test_app_is_registered(self):
        config = apps.get_app_config("nautobot_ssot")
        self.assertEqual(config.verbose_name, "Single Source of Truth")
        self.assertEqual(config.base_url, "ssot")
        self.assertFalse(config.default_settings["hide_example_jobs"])
