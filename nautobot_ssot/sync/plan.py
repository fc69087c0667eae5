"""Plan and apply: a dry run's stored per-record diff, applied later as exactly that change.

The apply run loads both sides as usual, then, instead of its own fresh diff, rebuilds the plan's diff from
the plan's ``SyncDiffRecord`` rows and checks every record against the target as loaded now: a record to
create must still be absent, a record to update or delete must still be present with exactly the values the
plan saw ("before"). If any record drifted, the run is refused and writes nothing; otherwise it applies
only the plan's records, with the plan's values ("after").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pydantic
from diffsync import Adapter, DiffSyncModel
from diffsync.diff import Diff, DiffElement
from django import forms
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from nautobot.extras.models import Job as JobModel
from nautobot.extras.models import JobResult

from nautobot_ssot.choices import DiffActionChoices, SyncOutcomeChoices
from nautobot_ssot.models import Sync, SyncDiffRecord, SyncJSONEncoder
from nautobot_ssot.permissions import RequestUser, restrict_to_requester

APPLIED_OUTCOMES = (SyncOutcomeChoices.OUTCOME_COMPLETED, SyncOutcomeChoices.OUTCOME_COMPLETED_WITH_FAILURES)


class PlanError(Exception):
    """The plan cannot be applied; the message says why (nothing was written)."""


@dataclass(frozen=True)
class Drift:
    """One plan record that no longer matches the target.

    Attributes:
        record: The plan record.
        reason: What changed.
    """

    record: SyncDiffRecord
    reason: str

    def __str__(self) -> str:
        """The record and the reason, in one line."""
        return f"{self.record.action} {self.record.model_name} {self.record.unique_id}: {self.reason}"


def _normalized(value: Any) -> Any:
    """``value`` as it reads back after being stored as JSON (how the plan keeps it)."""
    return json.loads(json.dumps(value, cls=SyncJSONEncoder))


def may_view_plan(plan: Sync, user: RequestUser | None) -> bool:
    """Whether ``user`` may view ``plan`` (applying a plan needs that, and run on its job); False without a user."""
    return user is not None and Sync.objects.restrict(user, "view").filter(pk=plan.pk).exists()


def check_plan_usable(plan: Sync, job_model: JobModel | None, user: RequestUser | None) -> None:
    """Check that ``user`` may view ``plan`` and that it is a dry run of ``job_model`` not applied yet.

    Raises:
        PlanError: It is not (the message names a plan ``user`` may not view by its id only).
    """
    if not may_view_plan(plan, user):
        raise PlanError(f"Sync {plan.pk} does not exist or {user} may not view it, so its plan cannot be applied.")
    if not plan.dry_run:
        raise PlanError(f"Sync {plan} is not a dry run, so it is not a plan to apply.")
    if job_model is not None and (plan.job_result is None or plan.job_result.job_model_id != job_model.pk):
        raise PlanError(f"Sync {plan} was not produced by the job {job_model}.")
    applied = plan.plan_applications.filter(outcome__in=APPLIED_OUTCOMES).first()
    if applied is not None:
        raise PlanError(f"The plan of sync {plan} was already applied by sync {applied}.")


def find_drift(records: list[SyncDiffRecord], target: Adapter) -> list[Drift]:
    """Compare each plan record with the target as it is now; return the records that no longer match."""
    drifts = []
    for record in records:
        current = target.get_or_none(record.model_name, record.unique_id)
        reason = _drift_reason(record, current)
        if reason:
            drifts.append(Drift(record, reason))
    return drifts


def _drift_reason(record: SyncDiffRecord, current: DiffSyncModel | None) -> str:
    if record.action == DiffActionChoices.ACTION_CREATE:
        return "it exists in the target now" if current is not None else ""
    if current is None:
        return "it no longer exists in the target"
    now = _normalized(current.get_attrs())
    changed = sorted(key for key, before in (record.target_attrs or {}).items() if now.get(key) != before)
    return f"changed in the target since the plan: {', '.join(changed)}" if changed else ""


def build_plan_diff(records: list[SyncDiffRecord], source: Adapter, target: Adapter) -> Diff:
    """Rebuild the plan's diff from its records, with values typed by the target's model classes.

    Raises:
        PlanError: A record's values no longer validate as its model.
    """
    diff = Diff()
    elements: dict[Any, DiffElement] = {}
    for record in records:
        element = DiffElement(record.model_name, record.unique_id, record.keys, source.name, target.name)
        model_class = getattr(target, record.model_name)
        element.add_attrs(
            source=_typed(model_class, record, record.source_attrs),
            dest=_typed(model_class, record, record.target_attrs),
        )
        elements[record.pk] = element
        parent = elements.get(record.parent_id)
        if parent is not None:
            parent.add_child(element)
        else:
            diff.add(element)
    return diff


def _typed(model_class: type[DiffSyncModel], record: SyncDiffRecord, attrs: dict | None) -> dict | None:
    if attrs is None:
        return None
    try:
        return model_class(**record.keys, **attrs).get_attrs()
    except pydantic.ValidationError as error:
        raise PlanError(f"{record}: the plan's values no longer fit {model_class.__name__}: {error}") from error


def plan_records(plan: Sync) -> list[SyncDiffRecord]:
    """The plan's records, in diff order."""
    return list(SyncDiffRecord.objects.filter(sync=plan).order_by("position"))


def plan_job_kwargs(plan: Sync) -> dict[str, Any]:
    """The job input of a run applying ``plan``: the plan's own input, as a real run of the plan."""
    job_kwargs = {**(plan.job_result.task_kwargs or {}), "dryrun": False, "apply_plan": str(plan.pk)}
    job_kwargs["validate_dry_run"] = False
    return job_kwargs


def enqueue_plan_apply(plan: Sync, user: Any, **enqueue_options: Any) -> JobResult:
    """Enqueue a run of the plan's job that applies the plan (same job input, not a dry run).

    Used by the Sync page's "apply this plan" button and by the REST API.

    Args:
        plan: The dry run to apply.
        user: Who asks; must be allowed to run the job.
        **enqueue_options: Passed to ``JobResult.enqueue_job`` (``job_queue``, ``synchronous``...).

    Raises:
        PlanError: The plan cannot be applied.
        PermissionDenied: ``user`` may not view the plan or may not run the job.
    """
    if not may_view_plan(plan, user):
        raise PermissionDenied(f"You may not view sync {plan.pk}.")
    job_model = plan.job_result.job_model if plan.job_result else None
    if job_model is None:
        raise PlanError(f"Sync {plan} has no job to run again.")
    check_plan_usable(plan, job_model, user)
    if not JobModel.objects.restrict(user, "run").filter(pk=job_model.pk).exists():
        raise PermissionDenied(f"You may not run the job {job_model}.")
    return JobResult.enqueue_job(job_model, user, job_kwargs=plan_job_kwargs(plan), **enqueue_options)


def restrict_plan_choices(form: forms.Form) -> None:
    """Offer and accept as ``apply_plan`` of a job form only the syncs the requesting user may view."""
    field = form.fields.get("apply_plan")
    if field is not None and hasattr(field, "queryset"):
        field.queryset = restrict_to_requester(field.queryset)


def plan_apply_url(plan: Sync) -> str | None:
    """URL of the plan's job run form, filled in with the plan's input to apply ``plan`` (None without a job)."""
    job_model = plan.job_result.job_model if plan.job_result else None
    if job_model is None:
        return None
    query = {"kwargs_from_job_result": plan.job_result.pk, "apply_plan": plan.pk, "dryrun": False}
    return f"{reverse('extras:job_run', kwargs={'pk': job_model.pk})}?{urlencode({**query, 'validate_dry_run': False})}"
