"""Malformed source records: each reported with its record and reason; valid ones written; nothing else changed."""

import csv
import io

from nautobot.apps.testing import TransactionTestCase
from nautobot.dcim.models import Location
from nautobot.extras.models import Status
from nautobot.tenancy.models import Tenant

from nautobot_ssot.sync.report import failure_rows, failures_csv
from tests.safety.helpers import location_row, make_location, make_site_type, records, run_safety_job, snapshot, sync_of

LONG = "x" * 256

# (source record, unique id in the report, words the failure message must contain)
MALFORMED = [
    (location_row("sf-" + LONG), "sf-" + LONG, ["name", "at most 255 characters"]),
    (location_row("sf-long-description", description=LONG), "sf-long-description", ["description", "at most 255"]),
    (location_row("sf-long-facility", facility=LONG), "sf-long-facility", ["facility", "at most 255"]),
    (location_row("sf-asn-low", asn=0), "sf-asn-low", ["asn", "greater than or equal to 1"]),
    (location_row("sf-asn-high", asn=2**33), "sf-asn-high", ["asn", "less than or equal to 4294967295"]),
    (location_row("sf-bad-email", contact_email="not-an-email"), "sf-bad-email", ["contact_email", "valid email"]),
    (location_row("sf-latitude", latitude="1234.5"), "sf-latitude", ["latitude", "digits"]),
    (location_row("sf-no-status", status__name="Nope"), "sf-no-status", ["status", "Nope"]),
    (location_row("sf-no-type", location_type__name="Nope"), "sf-no-type", ["location_type", "Nope"]),
    (location_row("sf-no-tenant", tenant__name="sf-ghost"), "sf-no-tenant", ["tenant", "sf-ghost"]),
    (location_row("sf-no-parent", parent__name="sf-ghost"), "sf-no-parent", ["parent", "sf-ghost"]),
    (location_row("sf-wrong-status", status__name="sf-device-only"), "sf-wrong-status", ["status"]),
    (
        location_row("sf-wrong-parent", location_type__name="sf-room"),
        "sf-wrong-parent",
        ["parent", "must have a parent"],
    ),
    (location_row("sf-nul\x00byte"), "sf-nul\\x00byte", ["Rejected source record", "NUL character"]),
    (location_row(""), "", ["name", "blank"]),
    (location_row("sf-asn-text", asn="sixty-five"), "sf-asn-text", ["Rejected source record", "asn", "integer"]),
    (location_row(12345), "12345", ["Rejected source record", "name", "valid string"]),
    (location_row("sf-dict", description={"a": 1}), "sf-dict", ["Rejected source record", "description", "string"]),
    ({"name": "sf-missing"}, "sf-missing", ["Rejected source record", "location_type__name", "Field required"]),
    (location_row("sf-dup", facility="one"), "sf-dup", ["duplicate identifiers"]),
    (location_row("sf-dup", facility="two"), "sf-dup", ["duplicate identifiers"]),
    (location_row("sf-exist-dup", facility="one"), "sf-exist-dup", ["duplicate identifiers"]),
    (location_row("sf-exist-dup", facility="two"), "sf-exist-dup", ["duplicate identifiers"]),
    (location_row("sf-exist-bad", asn=-1, description="changed"), "sf-exist-bad", ["asn", "greater than or equal"]),
]
VALID = [
    location_row("sf-good-1", description="first", asn=65001, contact_email="noc@example.com", latitude="45.5"),
    location_row("sf-good-2", tenant__name="sf-tenant"),
    location_row("sf-exist-ok", description="updated"),
]


class BadInputTestCase(TransactionTestCase):
    """Every kind of malformed record is reported; the valid ones are written; nothing existing is damaged."""

    def setUp(self):
        super().setUp()
        make_site_type()
        device_only = Status.objects.create(name="sf-device-only")
        device_only.content_types.set([])
        Tenant.objects.create(name="sf-tenant")
        make_location("sf-exist-dup", facility="original")
        make_location("sf-exist-bad", asn=65000, description="original")
        make_location("sf-exist-ok", description="original")

    def run_sync(self):
        rows = [record for record, _, _ in MALFORMED] + VALID
        return run_safety_job(records=records(tenants=["sf-tenant"], locations=rows))

    def test_each_malformed_record_is_reported_and_the_rest_applied(self):
        before = snapshot()
        sync = sync_of(self.run_sync())
        reported = [(row.unique_id, row.message) for row in failure_rows(sync)]
        for _, unique_id, words in MALFORMED:
            with self.subTest(unique_id=unique_id[:40]):
                messages = [message for uid, message in reported if uid == unique_id]
                self.assertTrue(messages, f"no failure entry for {unique_id[:40]!r}; reported: {reported}")
                for word in words:
                    self.assertTrue(any(word in message for message in messages), (word, messages))
        self.assertEqual(len(reported), len(MALFORMED))
        self.assertEqual(sync.summary["failure"] + sync.summary["error"], len(MALFORMED))
        self.assertEqual(Location.objects.get(name="sf-good-1").asn, 65001)
        self.assertEqual(Location.objects.get(name="sf-good-2").tenant.name, "sf-tenant")
        self.assertEqual(Location.objects.get(name="sf-exist-ok").description, "updated")
        after = snapshot()
        unchanged = [row for row in before["locations"] if row[0] != "sf-exist-ok"]
        self.assertEqual([row for row in after["locations"] if row[0] in {r[0] for r in unchanged}], unchanged)
        self.assertEqual(after["tenants"], before["tenants"])
        created = {row[0] for row in after["locations"]} - {row[0] for row in before["locations"]}
        self.assertEqual(created, {"sf-good-1", "sf-good-2"})

    def test_the_failure_csv_lists_exactly_the_failed_records(self):
        sync = sync_of(self.run_sync())
        rows = list(csv.DictReader(io.StringIO(failures_csv(sync))))
        self.assertEqual(set(rows[0]), {"model", "unique_id", "action", "status", "message"})
        expected = sorted(unique_id for _, unique_id, _ in MALFORMED)
        self.assertEqual(sorted(row["unique_id"].lstrip("'") for row in rows), expected)
        self.assertTrue(all(row["status"] in ("failure", "error") for row in rows))
        self.assertFalse({"sf-good-1", "sf-good-2", "sf-exist-ok"} & {row["unique_id"] for row in rows})
