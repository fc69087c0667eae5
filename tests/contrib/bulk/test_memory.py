"""What the bulk path keeps per object: only what the flush needs, nothing that outlives a batch's records."""

from __future__ import annotations

from django.core.cache import cache
from django.core.exceptions import ValidationError
from nautobot.apps.testing import TestCase
from nautobot.extras.choices import ObjectChangeActionChoices, ObjectChangeEventContextChoices
from nautobot.extras.context_managers import web_request_context
from nautobot.extras.models import Tag
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from nautobot_ssot.contrib.bulk.cachememo import CacheMemo
from nautobot_ssot.contrib.bulk.changelog import ChangeRecorder
from nautobot_ssot.contrib.bulk.copy import RowReader, copy_rows
from nautobot_ssot.contrib.bulk.pending import NO_RELATED, PendingWrite
from nautobot_ssot.contrib.bulk.validation import BulkValidator
from tests.contrib.fixtures import content_types


class ChangeRecorderMemoryTestCase(TestCase):
    def test_recorded_objects_keep_nothing_prefetched_for_their_record(self):
        tag = Tag.objects.create(name="kept")
        tag.content_types.set(content_types(Tenant))
        tenant = Tenant.objects.create(name="Recorded")
        tenant.tags.set([tag])
        user = User.objects.create(username="recorder")
        recorder = ChangeRecorder()
        with web_request_context(user, context=ObjectChangeEventContextChoices.CONTEXT_JOB):
            objects = recorder.as_written([tenant])
            self.assertIn("tags", tenant._prefetched_objects_cache)
            records = recorder.build(objects, ObjectChangeActionChoices.ACTION_UPDATE)
        self.assertEqual(records[0].object_data["tags"], ["kept"])
        self.assertEqual(str(records[0].object_data_v2["tags"][0]["id"]), str(tag.pk))
        self.assertNotIn("_prefetched_objects_cache", tenant.__dict__)


class RowReaderTestCase(TestCase):
    def test_rows_are_made_as_they_are_read(self):
        made = []

        def rows():
            for number in range(5):
                made.append(number)
                yield f"row {number}\n"

        reader = RowReader(rows())
        self.assertEqual(reader.read(10), "row 0\nrow 1\n")
        self.assertEqual(made, [0, 1])
        self.assertEqual(reader.read(), "row 2\nrow 3\nrow 4\n")
        self.assertEqual(reader.read(10), "")

    def test_copied_rows_are_stored(self):
        tenants = [Tenant(name=f"Copied {number}", description="tab\tand\nnewline") for number in range(3)]
        self.assertTrue(copy_rows(Tenant, tenants))
        stored = Tenant.objects.filter(name__startswith="Copied ")
        self.assertEqual(sorted(tenant.name for tenant in stored), ["Copied 0", "Copied 1", "Copied 2"])
        self.assertEqual({tenant.description for tenant in stored}, {"tab\tand\nnewline"})


class CompactQueueTestCase(TestCase):
    def test_writes_without_to_many_fields_share_one_empty_mapping(self):
        first = PendingWrite(Tenant(name="a"), "tenant", "a")
        second = PendingWrite(Tenant(name="b"), "tenant", "b", {})
        self.assertIs(first.related, NO_RELATED)
        self.assertIs(second.related, NO_RELATED)
        self.assertFalse(hasattr(first, "__dict__"))


class ValidatorWrittenTestCase(TestCase):
    def test_unique_values_are_read_again_after_a_flush(self):
        validator = BulkValidator()
        validator.validate(Tenant(name="Unique"))
        self.assertTrue(validator.indexes)
        validator.written()
        self.assertEqual(validator.indexes, {})
        Tenant.objects.create(name="Unique")
        with self.assertRaises(ValidationError):
            validator.validate(Tenant(name="Unique"))


class CacheMemoForgetTestCase(TestCase):
    def test_forgotten_keys_are_read_again_from_the_cache(self):
        memo = CacheMemo()
        with memo.active():
            cache.set("ssot-forget-test", 1, timeout=60)
            memo.forget(["ssot-forget-test"])
            self.assertNotIn(("ssot-forget-test", None), memo.values)
            self.assertEqual(cache.get("ssot-forget-test"), 1)
            cache.delete("ssot-forget-test")
