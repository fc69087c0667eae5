"""Delete guard: refuse a sync whose deletes look like a source outage rather than real removals."""

from __future__ import annotations

from dataclasses import dataclass

from diffsync import Adapter
from diffsync.diff import Diff
from diffsync.enum import DiffSyncActions

DEFAULT_MAX_DELETE_PERCENT = 50
"""Default largest share (percent) of the target's objects one sync may delete."""


@dataclass(frozen=True)
class DeleteGuard:
    """Limits on the deletes of one sync.

    Attributes:
        max_percent: Largest share of the target's objects (all models together) that may be deleted, in
            percent; 100 turns the share check off.
        max_count: Largest number of objects that may be deleted; None turns the count check off.
    """

    max_percent: int = DEFAULT_MAX_DELETE_PERCENT
    max_count: int | None = None

    def verdict(self, deletes: int, target_objects: int) -> str:
        """Return why ``deletes`` out of ``target_objects`` is refused, or "" when it is allowed."""
        if self.max_count is not None and deletes > self.max_count:
            return f"the sync would delete {deletes} objects, more than the limit of {self.max_count}"
        share = 100 * deletes / target_objects if target_objects else 0
        if self.max_percent < 100 and share > self.max_percent:  # noqa: PLR2004
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


def check_deletes(guard: DeleteGuard, diff: Diff, target: Adapter) -> str:
    """Return why the deletes of ``diff`` against ``target`` are refused by ``guard``, or "" when allowed."""
    reason = guard.verdict(count_deletes(diff), target.count())
    if not reason:
        return ""
    return (
        f"Delete guard: {reason}. This is the typical sign of a source outage, so nothing was changed. "
        "If the deletes are intended, run again with a higher 'max delete percent' or 'max delete count'."
    )
