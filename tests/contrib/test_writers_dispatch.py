"""What Nautobot sends when a run's change context closes: the same webhooks, job hooks and events on every path.

Nautobot walks the run's change records when the job's change context closes and, for each, enqueues the
webhooks and job hooks configured for its model and action and publishes an event. The same data synced through
the 4.x-style (standard) path, the default path and the bulk path makes it send the same calls with the same
payloads (compared without generated ids, timestamps and request ids, in any order).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.db import transaction
from django.test import tag
from nautobot.apps.jobs import JobHookReceiver, register_jobs
from nautobot.apps.testing import TestCase
from nautobot.core.events import deregister_event_broker, register_event_broker
from nautobot.core.events.base import EventBroker
from nautobot.dcim.models import Device, Interface, Location
from nautobot.extras.jobs import import_jobs as real_import_jobs
from nautobot.extras.models import Job, JobHook, JobQueue, JobResult, ObjectChange, Webhook
from nautobot.extras.registry import registry
from nautobot.extras.utils import refresh_job_model_from_job_class
from nautobot.ipam.models import VLAN, IPAddress, Prefix
from nautobot.tenancy.models import Tenant
from nautobot.users.models import User

from tests.contrib.fixtures import content_types
from tests.contrib.test_bulk import BulkAdapter, make_site_fixtures
from tests.contrib.test_bulk import records as site_records
from tests.contrib.test_writers import Labels, make_network_fixtures, network, sync

HOOKED = (Device, Interface, IPAddress, Prefix, VLAN, Location, Tenant)
"""Models with a webhook and a job hook on create, update and delete."""

NOT_COMPARED = {"timestamp", "request_id"}
"""Keys of a dispatched payload that differ between two runs by nature."""


class DispatchReceiver(JobHookReceiver):
    """A job hook receiver (never run here: what is enqueued is recorded instead)."""

    class Meta:
        name = "SSoT dispatch test receiver"

    def receive_job_hook(self, change, action, changed_object):
        """Do nothing."""


class Recorder(EventBroker):
    """An event subscriber keeping every event published."""

    def __init__(self, sent: list[tuple]) -> None:
        """Keep events in ``sent``."""
        super().__init__()
        self.sent = sent

    def publish(self, *, topic: str, payload: str) -> None:
        """Keep one event."""
        self.sent.append(("event", topic, json.loads(payload)))


@contextmanager
def dispatch_recorded() -> Iterator[list[tuple]]:
    """Record the webhooks and job hooks enqueued and the events published inside the block."""
    sent: list[tuple] = []

    def webhook(args: list[Any]) -> None:
        webhook_pk, data, model_name, action, _, user_name, _, snapshots = args
        sent.append(("webhook", str(webhook_pk), model_name, action, user_name, data, snapshots))

    def job_hook(job_model: Job, user: User, job_kwargs: dict[str, Any]) -> None:
        change = ObjectChange.objects.get(pk=job_kwargs["object_change"])
        sent.append(("job hook", job_model.class_path, user.username, change.action, str(change.changed_object_id)))

    def import_jobs() -> None:  # reloading the jobs drops the ones not in JOBS_ROOT or an app
        real_import_jobs()
        register_jobs(DispatchReceiver)

    broker = Recorder(sent)
    register_event_broker(broker)
    try:
        with (
            mock.patch("nautobot.extras.webhooks.process_webhook.apply_async", side_effect=webhook),
            mock.patch.object(JobResult, "enqueue_job", side_effect=job_hook),
            mock.patch("nautobot.extras.jobs.import_jobs", side_effect=import_jobs),
        ):
            yield sent
    finally:
        deregister_event_broker(broker)


def comparable(sent: list[tuple], labels: Labels) -> list[str]:
    """Return what was sent with ids named, volatile values dropped, in a stable order."""
    return sorted(repr(labels(strip(list(item)))) for item in sent)


def strip(value: Any) -> Any:
    """Drop the keys of ``NOT_COMPARED`` at any depth."""
    if isinstance(value, dict):
        return {key: strip(item) for key, item in value.items() if key not in NOT_COMPARED}
    if isinstance(value, list):
        return [strip(item) for item in value]
    return value


ISOLATED = "isolated"
"""Tag of tests the gate runs in a process of their own: after them, a job run from the live server thread of
the browser test stays pending (cause not found yet), so they must not share a process with it."""


def make_hooks() -> User:
    """Configure a webhook, a job hook (with its receiver installed) on every action of ``HOOKED``; return a user."""
    register_jobs(DispatchReceiver)
    job_model, _ = refresh_job_model_from_job_class(Job, DispatchReceiver, JobQueue)
    job_model.enabled = True
    job_model.save()
    actions = {"type_create": True, "type_update": True, "type_delete": True}
    webhook = Webhook.objects.create(name="everything", payload_url="http://hooks.invalid/", **actions)
    hook = JobHook.objects.create(name="everything", job=job_model, **actions)
    for target in (webhook, hook):
        target.content_types.set(content_types(*HOOKED))
    return User.objects.create(username="dispatch-tester", is_superuser=True)


@tag(ISOLATED)
class DispatchTestCase(TestCase):
    """The default and the bulk path make Nautobot send what the 4.x-style path makes it send.

    Devices (with components from their type), interfaces with addresses, prefixes and VLANs.
    """

    adapter: Any = None

    @classmethod
    def setUpTestData(cls):
        make_network_fixtures()
        cls.tester = make_hooks()

    @classmethod
    def tearDownClass(cls):
        """Take the receiver job out of Nautobot's job registry again: later tests must not run into it."""
        registry["jobs"].pop(DispatchReceiver.class_path, None)
        super().tearDownClass()

    def steps(self) -> list[dict[str, Any]]:
        """The data of each run: created, then changed (and partly deleted)."""
        return [network(), network(changed=True)]

    def run_path(self, **options: Any) -> list[str]:
        """Sync the steps through one path; return what was sent (then roll the writes back)."""
        savepoint = transaction.savepoint()
        with dispatch_recorded() as sent:
            for data in self.steps():
                self.assertEqual(sync(data, self.tester, self.adapter, **options), 0)
        result = comparable(sent, Labels(self.tester))
        transaction.savepoint_rollback(savepoint)
        return result

    def test_every_path_sends_what_the_standard_path_sends(self):
        standard = self.run_path(deferred_change_records=False)
        for kind in ("job hook", "webhook", "event"):
            self.assertTrue(any(item.startswith(f"['{kind}'") for item in standard), kind)
        for path, options in (("default", {}), ("bulk", {"bulk": True})):
            with self.subTest(path):
                self.assertEqual(self.run_path(**options), standard)


@tag(ISOLATED)
class SitesDispatchTestCase(DispatchTestCase):
    """The same for tenants and locations, which the bulk path writes itself."""

    adapter = BulkAdapter

    @classmethod
    def setUpTestData(cls):
        make_site_fixtures()
        cls.tester = make_hooks()

    def steps(self) -> list[dict[str, Any]]:
        """Sites, regions and tenants created, then changed and partly deleted."""
        return [site_records(3), site_records(3, changed=True)]
