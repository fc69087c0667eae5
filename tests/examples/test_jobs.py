"""The example jobs, end to end against a real remote Nautobot served over HTTP."""

from __future__ import annotations

import os
import re

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from nautobot.apps.testing import TransactionTestCase, run_job_for_testing
from nautobot.dcim.models import Device, Interface, Location
from nautobot.extras.choices import JobResultStatusChoices, SecretsGroupAccessTypeChoices, SecretsGroupSecretTypeChoices
from nautobot.extras.management import populate_role_choices
from nautobot.extras.models import (
    Contact,
    ContactAssociation,
    CustomField,
    ExternalIntegration,
    JobLogEntry,
    Role,
    Secret,
    SecretsGroup,
    SecretsGroupAssociation,
    Status,
    Tag,
)
from nautobot.ipam.models import VLAN, IPAddress
from nautobot.tenancy.models import Tenant, TenantGroup

from nautobot_ssot.choices import SyncLogEntryStatusChoices, SyncOutcomeChoices
from nautobot_ssot.jobs import _example_jobs
from nautobot_ssot.jobs.examples import ExampleDataSource, ExampleDataTarget
from nautobot_ssot.jobs.examples.models import SUPPORT_TIER_KEY
from nautobot_ssot.models import Sync
from tests.examples.servers import ROOT, TOKEN, FailingServer, RemoteNautobot
from tests.fixtures.jobs import job_model_for

PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)
TOKEN_VARIABLE = "NAUTOBOT_SSOT_EXAMPLES_TEST_TOKEN"  # noqa: S105  (the name of a variable, not a secret)
SEEDED = 61
"""Objects in the seeded remote inventory (development/demo_inventory.py), its three roles included."""
SEEDED_ROLES = 3


def make_integration(url: str, timeout: int = 10, name: str = "remote") -> ExternalIntegration:
    """An ExternalIntegration to ``url`` whose token comes from an environment variable secret."""
    ExternalIntegration.objects.filter(name=name).delete()
    secret, _ = Secret.objects.get_or_create(
        name="examples token", provider="environment-variable", parameters={"variable": TOKEN_VARIABLE}
    )
    group, _ = SecretsGroup.objects.get_or_create(name="examples")
    SecretsGroupAssociation.objects.get_or_create(
        secrets_group=group,
        secret=secret,
        access_type=SecretsGroupAccessTypeChoices.TYPE_HTTP,
        secret_type=SecretsGroupSecretTypeChoices.TYPE_TOKEN,
    )
    return ExternalIntegration.objects.create(name=name, remote_url=url, secrets_group=group, timeout=timeout)


OWN_RECORDS = {"extras.joblogentry"}
"""Tables a run writes its own records to, besides the nautobot_ssot app's (its job result is counted apart)."""


def row_counts() -> dict[str, int]:
    """The number of rows of every table of this Nautobot but the run's own records, by model label."""
    return {
        model._meta.label_lower: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.app_label != "nautobot_ssot" and model._meta.label_lower not in OWN_RECORDS
    }


class ExampleJobTestCase(TransactionTestCase):
    """Runs the example jobs against one remote Nautobot started for the whole class."""

    remote: RemoteNautobot

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.environ[TOKEN_VARIABLE] = TOKEN
        cls.remote = RemoteNautobot()
        cls.remote.start()

    @classmethod
    def tearDownClass(cls):
        cls.remote.stop()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        populate_role_choices(verbosity=0)
        self.integration = make_integration(self.remote.url)
        # The default roles a new Nautobot has (the remote has them all, the flushed test database only some):
        remote_roles = {role["name"] for role in self.remote.api("GET", "extras/roles/?limit=0").json()["results"]}
        self.defaults = len(remote_roles - set(Role.objects.values_list("name", flat=True))) - SEEDED_ROLES

    def run_job(self, job_class, **kwargs) -> Sync:
        """Run an example job for real and return its Sync; the job must succeed."""
        result = self.run_job_result(job_class, **kwargs)
        sync = Sync.objects.get(job_result=result)
        failed = sync.logs.exclude(status=SyncLogEntryStatusChoices.STATUS_SUCCESS).values_list(
            "object_repr", "message"
        )
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, (sync.outcome_message, list(failed)))
        return sync

    def run_job_result(self, job_class, integration=None, **kwargs):
        job_kwargs = {"dryrun": False, "memory_profiling": False, "location": "", "tenant": ""}
        job_kwargs.update(kwargs, integration=str((integration or self.integration).pk))
        result = run_job_for_testing(job_model_for(job_class), job_kwargs=job_kwargs)
        result.refresh_from_db()
        return result

    def assertSummary(self, sync: Sync, **expected):  # noqa: N802
        actual = {key: sync.summary.get(key) for key in ("create", "update", "delete", "failure", "error")}
        self.assertEqual(actual, {"create": 0, "update": 0, "delete": 0, "failure": 0, "error": 0, **expected})


class ExampleDataSourceTestCase(ExampleJobTestCase):
    """Example Data Source: remote Nautobot to this Nautobot."""

    def test_creates_then_no_changes_then_update_then_delete(self):
        created = self.run_job(ExampleDataSource)
        self.assertSummary(created, create=SEEDED + self.defaults)
        device = Device.objects.get(name="ber-rtr-01")
        self.assertLinked(created, Device, device)
        self.assertEqual((device.location.name, device.location.parent.name), ("Berlin DC1", "Germany"))
        self.assertEqual((device.device_type.manufacturer.name, device.platform.name), ("Cisco", "Cisco IOS XE"))
        self.assertEqual((device.tenant.tenant_group.parent.name, device.cf["support_tier"]), ("Customers", "gold"))
        self.assertEqual(list(device.tags.names()), ["core"])
        association = ContactAssociation.objects.get(contact__name="Jane Doe")
        self.assertEqual((association.associated_object, association.role.name), (device.location, "Site owner"))
        loopback = Interface.objects.get(device=device, name="Loopback0")
        self.assertEqual([str(ip) for ip in loopback.ip_addresses.all()], ["192.0.2.1/32"])

        self.assertSummary(self.run_job(ExampleDataSource))

        remote_device = self.remote.one("dcim/devices", name="ber-rtr-01")
        self.addCleanup(self.remote.api, "PATCH", f"dcim/devices/{remote_device['id']}/", json={"serial": "FXS2101A1"})
        self.remote.api("PATCH", f"dcim/devices/{remote_device['id']}/", json={"serial": "CHANGED-1"})
        updated = self.run_job(ExampleDataSource)
        self.assertSummary(updated, update=1)
        self.assertLinked(updated, Device, device)
        self.assertEqual(Device.objects.get(name="ber-rtr-01").serial, "CHANGED-1")

        self.addCleanup(self.remote.seed)
        self.remote.api("DELETE", f"ipam/vlans/{self.remote.one('ipam/vlans', vid=300)['id']}/")
        self.assertSummary(self.run_job(ExampleDataSource), delete=1)
        self.assertFalse(VLAN.objects.filter(vid=300).exists())

    def assertLinked(self, sync: Sync, model, obj) -> None:  # noqa: N802
        """Every log entry of ``sync`` links to the object it wrote (no ``lookup_object``), ``obj`` among them."""
        unlinked = sync.logs.filter(synced_object_id__isnull=True).values_list("object_repr", flat=True)
        self.assertEqual(list(unlinked), [])
        entry = sync.logs.get(synced_object_type=ContentType.objects.get_for_model(model), synced_object_id=obj.pk)
        self.assertEqual((entry.synced_object, entry.object_repr), (obj, str(obj)))

    def test_dry_run_writes_nothing(self):
        """A dry run adds nothing to any table but its own records: no custom field, no provisioning job result."""
        get_user_model().objects.get_or_create(username="test-user")  # the user run_job_for_testing runs jobs as
        before = row_counts()
        sync = self.run_job(ExampleDataSource, dryrun=True)
        self.assertEqual(sync.summary["create"], SEEDED + self.defaults)
        after = row_counts()
        self.assertEqual(after.pop("extras.jobresult"), before.pop("extras.jobresult") + 1)
        self.assertEqual({label: count for label, count in after.items() if count != before[label]}, {})
        self.assertFalse(CustomField.objects.filter(key=SUPPORT_TIER_KEY).exists())
        messages = JobLogEntry.objects.filter(job_result=sync.job_result).values_list("message", flat=True)
        self.assertIn(
            f"A real run would create the custom field '{SUPPORT_TIER_KEY}' on devices; this dry run did not.", messages
        )
        self.assertIn(f"Reading remote ({self.remote.url}) for everything.", messages)

    def test_scope_loads_and_compares_only_the_devices_in_it(self):
        self.assertSummary(self.run_job(ExampleDataSource, tenant="Globex"), create=SEEDED + self.defaults - 3 - 5 - 3)
        self.assertEqual(list(Device.objects.values_list("name", flat=True)), ["fra-rtr-01"])
        self.assertSummary(self.run_job(ExampleDataSource), create=3 + 5 + 3)
        self.assertSummary(self.run_job(ExampleDataSource, location="Germany"))
        self.assertSummary(self.run_job(ExampleDataSource, location="New York NY1", tenant="Acme Corp"))

    def test_tutorial_examples_run(self):
        """The python blocks of docs/dev/tutorial.md run in order against the remote, in one namespace."""
        page = ROOT / "docs" / "dev" / "tutorial.md"
        namespace = {"__name__": "docs_tutorial", "remote_url": self.remote.url, "token": TOKEN}
        blocks = PYTHON_BLOCK.findall(page.read_text(encoding="utf-8"))
        self.assertEqual(len(blocks), 5)
        for number, code in enumerate(blocks, start=1):
            exec(compile(code, f"tutorial.md, example {number}", "exec", dont_inherit=True), namespace)  # noqa: S102
        self.assertEqual(len(namespace["TenancyDataSource"].data_mappings()), 2)


class ExampleDataTargetTestCase(ExampleJobTestCase):
    """Example Data Target: this Nautobot to the remote Nautobot."""

    def test_creates_then_no_changes_then_update_then_delete(self):
        self.run_job(ExampleDataSource)
        self.addCleanup(self.remote.seed)
        tenant = Tenant.objects.create(name="Initech", tenant_group=TenantGroup.objects.get(name="Customers"))
        tenant.tags.add(Tag.objects.get(name="monitored"))
        active = Status.objects.get(name="Active")
        interface = Interface.objects.create(
            device=Device.objects.get(name="ber-rtr-01"), name="Loopback1", type="virtual", status=active
        )
        interface.ip_addresses.add(IPAddress.objects.create(address="10.10.1.9/24", status=active))
        frankfurt = Location.objects.get(name="Frankfurt DC2")
        ContactAssociation.objects.create(
            contact=Contact.objects.create(name="Kim Park"),
            role=Role.objects.get(name="Site owner"),
            associated_object=frankfurt,
            status=active,
        )
        self.addCleanup(self._remove_remote_additions)

        self.assertSummary(self.run_job(ExampleDataTarget), create=5)
        remote_association = self.remote.one("extras/contact-associations", contact="Kim Park")
        self.assertEqual(remote_association["associated_object_type"], "dcim.location")
        self.assertEqual(
            remote_association["associated_object_id"], self.remote.one("dcim/locations", name="Frankfurt DC2")["id"]
        )
        remote_tenant = self.remote.one("tenancy/tenants", name="Initech")
        self.assertEqual(
            (remote_tenant["tenant_group"]["name"], remote_tenant["tags"][0]["name"]), ("Customers", "monitored")
        )
        remote_interface = self.remote.one("dcim/interfaces", device="ber-rtr-01", name="Loopback1")
        self.assertEqual(remote_interface["ip_address_count"], 1)

        self.assertSummary(self.run_job(ExampleDataTarget))

        Device.objects.filter(name="ber-sw-01").update(serial="LOCAL-2")
        self.addCleanup(self._restore_remote_serial)
        self.assertSummary(self.run_job(ExampleDataTarget), update=1)
        self.assertEqual(self.remote.one("dcim/devices", name="ber-sw-01")["serial"], "LOCAL-2")

        VLAN.objects.filter(vid=200).delete()
        self.assertSummary(self.run_job(ExampleDataTarget), delete=1)
        self.assertEqual(self.remote.api("GET", "ipam/vlans/", params={"vid": 200}).json()["count"], 0)

    def _remove_remote_additions(self):
        for endpoint, filters in (
            ("dcim/interfaces", {"device": "ber-rtr-01", "name": "Loopback1"}),
            ("ipam/ip-addresses", {"address": "10.10.1.9/24"}),
            ("tenancy/tenants", {"name": "Initech"}),
            ("extras/contacts", {"name": "Kim Park"}),
        ):
            for record in self.remote.api("GET", f"{endpoint}/", params=filters).json()["results"]:
                self.remote.api("DELETE", f"{endpoint}/{record['id']}/")

    def _restore_remote_serial(self):
        record = self.remote.one("dcim/devices", name="ber-sw-01")
        self.remote.api("PATCH", f"dcim/devices/{record['id']}/", json={"serial": "FOC2245X0"})


class ExampleJobErrorTestCase(TransactionTestCase):
    """HTTP failures of the remote end the run, with a message saying what failed."""

    def setUp(self):
        super().setUp()
        os.environ[TOKEN_VARIABLE] = TOKEN

    def run_against(self, server: FailingServer, job_class=ExampleDataSource, timeout: int = 10):
        integration = make_integration(server.url, timeout=timeout)
        job_kwargs = {"dryrun": False, "memory_profiling": False, "integration": str(integration.pk)}
        result = run_job_for_testing(job_model_for(job_class), job_kwargs=job_kwargs)
        result.refresh_from_db()
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        sync = Sync.objects.get(job_result=result)
        self.assertEqual(sync.outcome, SyncOutcomeChoices.OUTCOME_FAILED)
        return sync.outcome_message

    def test_http_error_statuses(self):
        for status, reason in ((401, "Unauthorized"), (404, "Not Found"), (500, "Internal Server Error")):
            for job_class in (ExampleDataSource, ExampleDataTarget):
                with self.subTest(status=status, job=job_class.__name__), FailingServer(status) as server:
                    message = self.run_against(server, job_class)
                    self.assertIn(f"GET {server.url}/api/extras/statuses/", message)
                    self.assertIn(f"returned HTTP {status} {reason}: Injected failure", message)

    def test_timeout(self):
        with FailingServer(0, delay=3) as server:
            message = self.run_against(server, timeout=1)
        self.assertIn(f"GET {server.url}/api/extras/statuses/", message)
        self.assertIn("timed out after 1 seconds", message)

    def test_missing_token_secret(self):
        os.environ.pop(TOKEN_VARIABLE)
        with FailingServer(500) as server:
            message = self.run_against(server)
        self.assertIn("Cannot read the API token of external integration remote", message)
        self.assertNotIn(TOKEN, message)


class ExampleJobDeclarationTestCase(TransactionTestCase):
    """Registration, hiding, mappings and configuration of the example jobs."""

    def test_registered_unless_hidden(self):
        self.assertEqual(_example_jobs(), [ExampleDataSource, ExampleDataTarget])
        with override_settings(PLUGINS_CONFIG={"nautobot_ssot": {"hide_example_jobs": True}}):
            self.assertEqual(_example_jobs(), [])

    def test_data_mappings_and_config_information(self):
        os.environ[TOKEN_VARIABLE] = TOKEN
        make_integration("http://remote.example.com")
        mappings = ExampleDataSource.data_mappings()
        self.assertEqual(len(mappings), 17)
        self.assertEqual(mappings[0].source_name, "Tag (/api/extras/tags/)")
        self.assertEqual((mappings[0].target_name, mappings[0].target_url), ("Tag", "/extras/tags/"))
        self.assertEqual(ExampleDataTarget.data_mappings()[0].source_name, "Tag")
        config = ExampleDataSource.config_information()
        self.assertEqual(config["External integrations"], "remote (http://remote.example.com)")
        self.assertNotIn(TOKEN, str(config))
        self.assertEqual(ExampleDataSource.data_target, "Nautobot")
        self.assertEqual(ExampleDataTarget.data_target, "Remote Nautobot (example)")
