"""CacheMemo and LookupMemo (cache reads and Nautobot's lookups answered from memory in a bulk write); slugs."""

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from nautobot.apps.testing import TestCase
from nautobot.core.models.utils import construct_natural_slug
from nautobot.dcim.models import Location
from nautobot.extras.choices import CustomFieldTypeChoices
from nautobot.extras.models import CustomField

from nautobot_ssot.contrib.bulk.cachememo import CacheMemo
from nautobot_ssot.contrib.bulk.serialization import slug_of_value


def custom_field_keys() -> list[str]:
    return sorted(field.key for field in CustomField.objects.get_for_model(Location, get_queryset=False))


class CacheMemoTestCase(TestCase):
    def test_cache_reads_follow_writes_and_deletes(self):
        memo = CacheMemo()
        with memo.active():
            cache.set("ssot-memo-test", 1, timeout=60)
            self.assertEqual(cache.get("ssot-memo-test"), 1)
            cache.set("ssot-memo-test", 2, timeout=60)
            self.assertEqual(cache.get("ssot-memo-test"), 2)
            cache.delete("ssot-memo-test")
            self.assertIsNone(cache.get("ssot-memo-test"))
        self.assertIsNone(CacheMemo.current())

    def test_lookups_are_remembered_until_a_definition_changes(self):
        before = custom_field_keys()
        memo = CacheMemo()
        with memo.active():
            self.assertEqual(custom_field_keys(), before)
            self.assertTrue(memo.lookups.results)
            field = CustomField.objects.create(
                key="memo_test", label="Memo test", type=CustomFieldTypeChoices.TYPE_TEXT
            )
            field.content_types.add(ContentType.objects.get_for_model(Location))
            self.assertIn("memo_test", custom_field_keys())
        self.assertEqual(custom_field_keys(), sorted([*before, "memo_test"]))

    def test_lookups_call_through_without_an_active_memo(self):
        memo = CacheMemo()
        with memo.active():
            custom_field_keys()
        remembered = dict(memo.lookups.results)
        custom_field_keys()
        self.assertEqual(memo.lookups.results, remembered)

    def test_a_lookup_by_instance_is_remembered_per_model(self):
        memo = CacheMemo()
        with memo.active():
            first = CustomField.objects.get_for_model(Location(name="one"))
            second = CustomField.objects.get_for_model(Location(name="two"))
            by_class = CustomField.objects.get_for_model(Location)
        self.assertIs(first, second)
        self.assertIs(first, by_class)

    def test_the_default_namespace_is_read_once_per_run(self):
        from nautobot.ipam.models import IPAddress  # noqa: PLC0415

        memo = CacheMemo()
        with memo.active():
            first = IPAddress()._namespace
            with self.assertNumQueries(0):
                self.assertIs(IPAddress()._namespace, first)
        self.assertEqual(first.name, "Global")


class SlugOfValueTestCase(TestCase):
    def test_plain_text_slugs_match_nautobot(self):
        values = [
            "bench-site-12",
            "NYC DC1",
            "  Rack 4/B.2  ",
            "a--b__c..d",
            "-edge-",
            "",
            "x",
            "Café 1",
            "O'Brien & Sons",
            "1,000 racks",
            "tab\tand\nnewline",
            "😀 smile",
            42,
            None,
        ]
        for value in values:
            with self.subTest(value=value):
                self.assertEqual(slug_of_value(value), construct_natural_slug([value]))
