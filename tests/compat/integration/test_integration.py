"""The 4.7-style integration runs end to end: both adapters loaded in parallel, devices without components."""

from django.contrib.contenttypes.models import ContentType
from nautobot.apps.testing import TransactionTestCase, run_job_for_testing
from nautobot.dcim.models import Device, DeviceType, InterfaceTemplate, Location, LocationType, Manufacturer
from nautobot.extras.choices import CustomFieldTypeChoices, JobResultStatusChoices
from nautobot.extras.models import CustomField, JobLogEntry, Role, Status, Tag
from nautobot.tenancy.models import Tenant

from nautobot_ssot.exceptions import AdapterLoadException
from nautobot_ssot.models import Sync
from nautobot_ssot.utils import parse_hostname_for_role
from tests.compat.integration import adapters
from tests.compat.integration.jobs import CompatRemoteDataSource
from tests.fixtures.jobs import job_model_for


def tenant_record(name, tags=(), **values):
    """A remote tenant record."""
    return {"name": name, "tags": [{"name": tag} for tag in tags], **values}


class CompatIntegrationTestCase(TransactionTestCase):
    """Runs the integration's job like Nautobot does, on committed data (the loader threads see it)."""

    def setUp(self):
        super().setUp()
        self.addCleanup(adapters.REMOTE.update, {"tenants": [], "devices": []})
        tenant_type = ContentType.objects.get_for_model(Tenant)
        for name in ("blue", "green", "red"):
            Tag.objects.create(name=f"compat-{name}").content_types.add(tenant_type)
        field = CustomField.objects.create(
            key="compat_remote_id", label="Remote id", type=CustomFieldTypeChoices.TYPE_TEXT
        )
        field.content_types.add(tenant_type)
        self.make_device_prerequisites()
        self.job_model = job_model_for(CompatRemoteDataSource)

    def make_device_prerequisites(self):
        device_type = ContentType.objects.get_for_model(Device)
        site_type = LocationType.objects.create(name="Compat Site")
        site_type.content_types.add(device_type)
        active = Status.objects.get(name="Active")
        Location.objects.create(name="compat-site", location_type=site_type, status=active)
        manufacturer = Manufacturer.objects.create(name="Compat Vendor")
        model = DeviceType.objects.create(manufacturer=manufacturer, model="compat-box")
        InterfaceTemplate.objects.create(device_type=model, name="eth0", type="1000base-t")
        for name in ("Compat Switch", "Compat Other"):
            Role.objects.create(name=name).content_types.add(device_type)

    def run_job(self, **kwargs):
        result = run_job_for_testing(
            self.job_model,
            job_kwargs={"dryrun": False, "memory_profiling": False, "parallel_loading": True, **kwargs},
        )
        result.refresh_from_db()
        return result

    def explain(self, result):
        """The job's traceback, outcome and log, for a failure message."""
        sync = Sync.objects.filter(job_result=result).first()
        log = "\n".join(result.job_log_entries.values_list("message", flat=True))
        entries = "\n".join(sync.logs.exclude(status="success").values_list("message", flat=True)) if sync else ""
        return f"{result.traceback}\n{sync.outcome_message if sync else 'no sync'}\n{log}\n{entries}"

    def test_runs_end_to_end_with_parallel_loading(self):
        adapters.REMOTE["tenants"] = [
            tenant_record("compat-a", ("compat-red", "compat-blue"), description="A", remote_id="r-1"),
            tenant_record("compat-b"),
        ]
        adapters.REMOTE["devices"] = [
            {
                "name": "sw-01",
                "location__name": "compat-site",
                "device_type__model": "compat-box",
                "status__name": "Active",
            }
        ]
        result = self.run_job()
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, self.explain(result))
        tenant = Tenant.objects.get(name="compat-a")
        self.assertEqual(sorted(tenant.tags.values_list("name", flat=True)), ["compat-blue", "compat-red"])
        self.assertEqual(tenant.cf["compat_remote_id"], "r-1")
        device = Device.objects.get(name="sw-01")
        self.assertEqual(device.role.name, "Compat Switch")
        self.assertFalse(device.interfaces.exists(), "skip_auto_component_creation lets the type add no interface")
        sync = Sync.objects.get(job_result=result)
        self.assertEqual(sync.summary["create"], 3)
        self.assertIsNotNone(sync.source_load_time)
        self.assertEqual(sync.source_load_time, sync.target_load_time)
        logged = JobLogEntry.objects.filter(job_result=result, message__startswith="Loaded 2 tenants")
        self.assertEqual(list(logged.values_list("grouping", flat=True)), ["source"])

    def test_tag_order_of_the_remote_system_makes_no_change(self):
        adapters.REMOTE["tenants"] = [tenant_record("compat-c", ("compat-red", "compat-blue", "compat-green"))]
        first = self.run_job()
        self.assertEqual(first.status, JobResultStatusChoices.STATUS_SUCCESS, self.explain(first))
        adapters.REMOTE["tenants"] = [tenant_record("compat-c", ("compat-green", "compat-blue", "compat-red"))]
        result = self.run_job(parallel_loading=False)
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_SUCCESS, self.explain(result))
        summary = Sync.objects.get(job_result=result).summary
        self.assertEqual((summary["create"], summary["update"], summary["delete"]), (0, 0, 0))

    def test_a_loading_error_in_a_thread_fails_the_job_with_the_integration_exception(self):
        adapters.REMOTE["tenants"] = [{"name": ""}]
        result = self.run_job()
        self.assertEqual(result.status, JobResultStatusChoices.STATUS_FAILURE)
        self.assertIn(AdapterLoadException.__name__, result.traceback)
        self.assertIn("Remote tenant without a name", Sync.objects.get(job_result=result).outcome_message)

    def test_the_role_map_of_the_utilities(self):
        self.assertEqual(parse_hostname_for_role(adapters.ROLE_MAP, "sw-9", "Compat Other"), "Compat Switch")
        self.assertEqual(parse_hostname_for_role('[["^rt-", "Router"]]', "rt-1", "Other"), "Router")
        self.assertEqual(parse_hostname_for_role("not json", "rt-1", "Other"), "Other")
