"""Run the sync phase inside one database transaction that is rolled back on demand.

Used for the validated dry run (always rolled back: every write is tried, its errors reported, nothing
kept) and for all-or-nothing runs (rolled back when any object failed or anything raised). ObjectChange
rows are written in the same transaction and vanish with it; webhooks and job hooks are only sent for
ObjectChange rows that exist when the job ends, and ``transaction.on_commit`` callbacks of a rolled-back
transaction never run. The run's log entries are held in memory meanwhile and written after the rollback,
with the links to objects that no longer exist removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from nautobot_ssot.choices import SyncLogEntryActionChoices
from nautobot_ssot.sync.logcapture import LogCollector


class _Rollback(Exception):
    """Raised inside the transaction to end it with a rollback."""


@dataclass
class PhaseResult:
    """What happened to the transaction of a sync phase.

    Attributes:
        rolled_back: The changes were rolled back (or never committed).
        reason: Why, in words.
    """

    rolled_back: bool = False
    reason: str = ""


def run_in_transaction(
    apply: Callable[[], None], collector: LogCollector, result: PhaseResult, *, always_rollback: bool
) -> PhaseResult:
    """Run ``apply`` in one transaction; roll it back always, or when any object failed, or when it raises.

    Args:
        apply: The sync step (the job's ``execute_sync``).
        collector: The run's log collector; its failure count decides, and its rows are held meanwhile.
        result: Filled in (also when ``apply`` raises, before the error propagates).
        always_rollback: Roll back even when everything succeeded (validated dry run).

    Returns:
        ``result``.
    """
    with collector.held():
        try:
            with transaction.atomic():
                apply()
                result.reason = _rollback_reason(collector, always_rollback)
                if result.reason:
                    raise _Rollback(result.reason)
        except _Rollback:
            result.rolled_back = True
        except BaseException as error:
            result.rolled_back = True
            result.reason = f"{type(error).__name__}: {error}"
            collector.unlink(SyncLogEntryActionChoices.ACTION_CREATE)
            raise
    if result.rolled_back:
        collector.unlink(SyncLogEntryActionChoices.ACTION_CREATE)
    return result


def _rollback_reason(collector: LogCollector, always_rollback: bool) -> str:
    if always_rollback:
        return "Validated dry run: every change was applied and then rolled back."
    if collector.failures:
        return f"All or nothing: {collector.failures} record(s) failed, so every change was rolled back."
    return ""
