"""Delete guard: refuse a sync whose deletes look like a source outage rather than real removals."""

from __future__ import annotations

from dataclasses import dataclass

from diffsync import Adapter
from diffsync.diff import Diff
from diffsync.enum import DiffSyncActions

DEFAULT_MAX_DELETE_PERCENT = 50
"""Default largest share (percent) of the target's objects one sync may delete."""

DEFAULT_MIN_TARGET_OBJECTS = 10
"""Smallest target (number of objects) the default share limit applies to: a share of a handful means nothing."""


@dataclass(frozen=True)
class DeleteGuard:
    """Limits on the deletes of one sync.

    Attributes:
        max_percent: Largest share of the target's objects (all models together) that may be deleted, in
            percent; 100 turns the share check off.
        max_count: Largest number of objects that may be deleted; None turns the count check off.
        min_target_objects: The share check applies only to targets with at least this many objects (0 when
            the share limit was chosen explicitly, so that it always applies).
    """

    max_percent: int = DEFAULT_MAX_DELETE_PERCENT
    max_count: int | None = None
    min_target_objects: int = DEFAULT_MIN_TARGET_OBJECTS

    def share_applies(self, target_objects: int) -> bool:
        """Whether the share limit applies to a target of ``target_objects`` objects."""
        return self.max_percent < 100 and target_objects >= self.min_target_objects  # noqa: PLR2004

    def verdict(self, deletes: int, target_objects: int) -> str:
        """Return why ``deletes`` out of ``target_objects`` is refused, or "" when it is allowed."""
        if self.max_count is not None and deletes > self.max_count:
            return f"the sync would delete {deletes} objects, more than the limit of {self.max_count}"
        share = 100 * deletes / target_objects if target_objects else 0
        if self.share_applies(target_objects) and share > self.max_percent:
            return (
                f"the sync would delete {deletes} of the target's {target_objects} objects ({share:.0f}%), "
                f"more than the limit of {self.max_percent}%"
            )
        return ""


def count_deletes(diff: Diff) -> int:
    """Number of delete elements in ``diff``, at every level."""
    pending, total = list(diff.get_children()), 0
    while pending:
        element = pending.pop()
        total += element.action == DiffSyncActions.DELETE
        pending.extend(element.get_children())
    return total


def small_target_note(guard: DeleteGuard, diff: Diff, target: Adapter) -> str:
    """Say so when ``diff`` deletes objects of a target too small for the default share limit; else ""."""
    target_objects = target.count()
    if guard.max_percent >= 100 or guard.share_applies(target_objects) or not count_deletes(diff):  # noqa: PLR2004
        return ""
    return (
        f"Delete guard: the target has {target_objects} objects, fewer than {guard.min_target_objects}, so the "
        f"default limit of {guard.max_percent}% of its objects does not apply (set 'max delete percent' or "
        "'max delete count' to limit the deletes of a small target)."
    )


def check_deletes(guard: DeleteGuard, diff: Diff, target: Adapter) -> str:
    """Return why the deletes of ``diff`` against ``target`` are refused by ``guard``, or "" when allowed."""
    reason = guard.verdict(count_deletes(diff), target.count())
    if not reason:
        return ""
    return (
        f"Delete guard: {reason}. This is the typical sign of a source outage, so nothing was changed. "
        "If the deletes are intended, run again with a higher 'max delete percent' or 'max delete count'."
    )
