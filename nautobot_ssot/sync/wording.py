"""What a run tells people, in words: durations, sizes, counts and actions, the same in the job log and the UI.

A dry run changes nothing, so its counts say what a real run *would* do ("would create"), wherever they are shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import NamedTuple


class ActionWords(NamedTuple):
    """How one diff action reads.

    Attributes:
        key: The summary key (``create``, ``update``, ``delete``).
        verb: The verb (``create``).
        done: What a real run did (``created``).
        planned: What a dry run found a real run would do (``would create``).
        pending: What a diff has still to do (``to create``).
    """

    key: str
    verb: str
    done: str
    planned: str
    pending: str


ACTIONS = tuple(
    ActionWords(verb, verb, f"{verb}d", f"would {verb}", f"to {verb}") for verb in ("create", "update", "delete")
)
"""The words of the three diff actions, in the order they are told."""

PHASE_WORDS = {
    "source_load": "Loading the source",
    "target_load": "Loading the target",
    "diff": "Comparing source and target",
    "sync": "Writing the changes",
}
"""What each phase of a run does, as the start of a sentence."""


def action_label(key: str, dry_run: bool) -> str | None:
    """The label of a summary count of an action: ``created`` for a real run, ``would create`` for a dry run.

    Returns:
        None when ``key`` is not an action (the caller keeps its own label).
    """
    for words in ACTIONS:
        if words.key == key:
            return words.planned if dry_run else words.done
    return None


def describe_duration(value: timedelta) -> str:
    """A duration rounded for reading: ``1.23 s``, ``2 min 5 s`` or ``1 h 2 min``."""
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def describe_bytes(value: int) -> str:
    """A number of bytes in binary units: ``512 B``, ``12.0 MiB``."""
    amount = float(value)
    for unit in ("B", "KiB", "MiB"):
        if amount < 1024:
            return f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{amount:.1f} GiB"


def count_words(count: int, noun: str = "") -> str:
    """A count as read in a sentence: ``none``, ``1 object``, ``1,234 objects`` (the noun only when given)."""
    if not count:
        return "none"
    if not noun:
        return f"{count:,}"
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def join_words(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


def _action_counts(summary: Mapping[str, int], template: str) -> str:
    """The three action counts, the first with the noun: ``create 3 objects, update 1 and delete none``."""
    parts = []
    for index, words in enumerate(ACTIONS):
        count = count_words(summary.get(words.key) or 0, "object" if index == 0 else "")
        parts.append(template.format(words=words, count=count))
    return join_words(parts)


def describe_diff(summary: Mapping[str, int]) -> str:
    """The job log line of a computed diff: ``Compared: 3 objects to create, 1 to update and none to delete; ...``."""
    unchanged = summary.get("no-change") or 0
    counts = _action_counts(summary, "{count} {words.pending}")
    return f"Compared: {counts}; {count_words(unchanged, 'object')} unchanged."


def describe_outcome(summary: Mapping[str, int], dry_run: bool) -> str:
    """The job log line ending a run, from its summary: what it changed (or would change) and what failed."""
    if dry_run:
        text = f"Dry run finished: a real run would {_action_counts(summary, '{words.verb} {count}')}."
        text += " Nothing was written."
    else:
        text = f"Sync finished: {_action_counts(summary, '{words.done} {count}')}."
    failed = [
        f"{count_words(summary.get(key) or 0)} {label}"
        for key, label in (("failure", "failed"), ("error", "had errors"))
        if summary.get(key)
    ]
    return f"{text} {join_words(failed)}." if failed else text


def describe_phase(phase: str, duration: timedelta) -> str:
    """The job log line of a finished phase: ``Loading the source took 3.06 s.``."""
    return f"{PHASE_WORDS.get(phase, phase)} took {describe_duration(duration)}."


def describe_memory(phase: str, final: int, peak: int) -> str:
    """The job log line of a phase's memory: ``Memory while loading the source: 3.0 MiB at the end, ...``."""
    doing = PHASE_WORDS.get(phase, phase)
    sizes = f"{describe_bytes(final)} at the end, {describe_bytes(peak)} at the peak"
    return f"Memory while {doing[0].lower()}{doing[1:]}: {sizes}."
