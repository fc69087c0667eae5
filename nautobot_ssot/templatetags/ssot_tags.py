"""Rendering helpers for syncs: durations, memory, status, summary counts and before/after diffs.

Everything a sync stores came from an external system, so every helper here builds HTML with
``format_html``/``format_html_join`` (which escape their arguments) and never marks text safe.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django import template
from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from nautobot.apps.templatetags import placeholder

from nautobot_ssot.choices import (
    DiffActionChoices,
    SyncLogEntryActionChoices,
    SyncLogEntryStatusChoices,
    SyncOutcomeChoices,
)
from nautobot_ssot.sync.wording import ACTIONS, action_label, describe_bytes, describe_duration
from nautobot_ssot.templatetags.ssot_labels import attribute_html, model_for_name

register = template.Library()

HTML_NONE = placeholder(None)

ACTION_COLORS = {
    DiffActionChoices.ACTION_CREATE: "success",
    DiffActionChoices.ACTION_UPDATE: "warning",
    DiffActionChoices.ACTION_DELETE: "danger",
    SyncLogEntryActionChoices.ACTION_NO_CHANGE: "secondary",
    SyncLogEntryActionChoices.ACTION_REPLACE: "info",
}
STATUS_COLORS = {
    SyncLogEntryStatusChoices.STATUS_SUCCESS: "success",
    SyncLogEntryStatusChoices.STATUS_FAILURE: "warning",
    SyncLogEntryStatusChoices.STATUS_ERROR: "danger",
}


class SummaryCount(NamedTuple):
    """One count of a sync's summary, as shown on badges.

    Attributes:
        key: Summary key (an action or a status).
        label: Text shown to the user.
        color: Bootstrap color of the badge.
        value: The count.
        url: Where the badge links to, if anywhere.
    """

    key: str
    label: str
    color: str
    value: int
    url: str | None


class AttributeChange(NamedTuple):
    """One attribute of a diff record: its value before (in the target) and after (from the source).

    Attributes:
        name: Attribute name.
        before: Value in the target, or None when absent.
        after: Value in the source, or None when absent.
        changed: Whether the two differ.
    """

    name: str
    before: Any
    after: Any
    changed: bool


SUMMARY_KEYS = (
    ("create", "created", "success", "action"),
    ("update", "updated", "warning", "action"),
    ("delete", "deleted", "danger", "action"),
    ("replace", "replaced", "info", "action"),
    ("no-change", "unchanged", "secondary", None),
    ("failure", "failed", "warning", "status"),
    ("error", "errors", "danger", "status"),
    ("conflicts", "conflicts", "info", "conflicts"),
    ("not_converging", "not converging", "danger", "not_converging"),
)

DIFF_TAB_FLAGS = ("conflicts", "not_converging")
"""Summary counts that link to the diff tab filtered by the flag of the same name."""


@register.filter
def format_duration(value: timedelta | None) -> str:
    """Render a duration as ``1.23 s``, ``2 min 3 s`` or ``1 h 2 min``."""
    return HTML_NONE if value is None else describe_duration(value)


@register.filter
def format_bytes(value: int | None) -> str:
    """Render a number of bytes in binary units (``12.0 MiB``)."""
    return HTML_NONE if value is None else describe_bytes(value)


@register.simple_tag
def sync_status(job_result) -> str:
    """Render the status badge of a sync from its job result (Nautobot's own job status label)."""
    if job_result is None:
        return format_html('<span class="badge bg-body-secondary border">{}</span>', "No job result")
    return render_to_string("extras/inc/job_label.html", {"result": job_result})


def _summary_url(sync, key: str, kind: str | None) -> str | None:
    """Where one count links to: the diff tab for a dry run's actions, the filtered log entries otherwise."""
    if kind is None:
        return None
    if kind in DIFF_TAB_FLAGS:
        return f"{reverse('plugins:nautobot_ssot:sync_diff', kwargs={'pk': sync.pk})}?{urlencode({kind: 'True'})}"
    if sync.dry_run and key != SyncLogEntryActionChoices.ACTION_REPLACE:
        if kind != "action":
            return None
        base = reverse("plugins:nautobot_ssot:sync_diff", kwargs={"pk": sync.pk})
        return f"{base}?{urlencode({'action': key})}"
    base = reverse("plugins:nautobot_ssot:synclogentry_list")
    return f"{base}?{urlencode({'sync': sync.pk, kind: key})}"


def _count_label(sync, key: str) -> str | None:
    """The label of an action's count: ``to create`` while the sync runs, else ``created`` (``would create``)."""
    if sync.outcome == SyncOutcomeChoices.OUTCOME_RUNNING and not sync.dry_run:
        return next((words.pending for words in ACTIONS if words.key == key), None)
    return action_label(key, sync.dry_run)


def summary_counts(sync, links: bool = True) -> list[SummaryCount]:
    """The counts of a sync's summary, each with the URL showing the matching objects (a dry run's "would create")."""
    counts = []
    for key, real_label, color, kind in SUMMARY_KEYS:
        value = sync.summary_count(key)
        if key == SyncLogEntryActionChoices.ACTION_REPLACE and not value:
            continue
        url = _summary_url(sync, key, kind) if links and value else None
        label = _count_label(sync, key) or real_label
        counts.append(SummaryCount(key, label, color if value else "secondary", value, url))
    return counts


@register.simple_tag
def summary_badges(sync, links: bool = True) -> SafeString:
    """Render a sync's summary counts as badges linking to the matching log entries (or diff records)."""
    parts = []
    for count in summary_counts(sync, links=links):
        badge = format_html(
            '<span class="badge bg-{} me-1" title="{}">{} {}</span>', count.color, count.key, count.value, count.label
        )
        parts.append(format_html('<a href="{}">{}</a>', count.url, badge) if count.url else badge)
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def action_badge(action: str | None) -> SafeString:
    """Render a diff or log action as a colored badge."""
    if not action:
        return HTML_NONE
    return format_html('<span class="badge bg-{}">{}</span>', ACTION_COLORS.get(action, "secondary"), action)


@register.filter
def status_badge(status: str | None) -> SafeString:
    """Render a log entry status as a colored badge."""
    if not status:
        return HTML_NONE
    return format_html('<span class="badge bg-{}">{}</span>', STATUS_COLORS.get(status, "secondary"), status)


def value_text(value: Any) -> str:
    """Plain text for one attribute value: strings as they are (``""`` when empty), anything else as compact JSON."""
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def attribute_changes(before: dict | None, after: dict | None) -> list[AttributeChange]:
    """Pair up the attributes of the two sides of a diff record, sorted by name."""
    before, after = before or {}, after or {}
    return [
        AttributeChange(name, before.get(name), after.get(name), before.get(name) != after.get(name))
        for name in sorted(set(before) | set(after))
    ]


def _value_cell(value: Any, present: bool, css: str) -> SafeString:
    if not present:
        return format_html("<td>{}</td>", HTML_NONE)
    return format_html('<td class="{}"><code>{}</code></td>', css, value_text(value))


@register.simple_tag
def render_before_after(record) -> SafeString:
    """Render a diff record's attributes as a small table: attribute, before (target), after (source).

    Creates show only the new values, deletes only the old ones; updates show every attribute with the
    changed ones highlighted. Attributes show their labels (see ``ssot_labels``), their raw names on hover.
    """
    before, after = record.target_attrs, record.source_attrs
    model = model_for_name(record.model_name)
    rows = []
    for change in attribute_changes(before, after):
        css = "table-warning" if change.changed and before and after else ""
        rows.append(
            format_html(
                '<tr class="{}"><th scope="row">{}</th>{}{}</tr>',
                css,
                attribute_html(model, change.name),
                _value_cell(change.before, before is not None and change.name in before, "text-danger"),
                _value_cell(change.after, after is not None and change.name in after, "text-success"),
            )
        )
    if not rows:
        return HTML_NONE
    return format_html(
        '<table class="table table-sm mb-0 ssot-diff"><thead><tr><th>Attribute</th><th>Before</th><th>After</th>'
        "</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", "{}", ((row,) for row in rows)),
    )


@register.filter
def render_keys(keys: dict | None, model: type[Model] | None = None) -> SafeString:
    """Render a diff record's identifiers as ``label: value`` pairs (the raw names on hover)."""
    if not keys:
        return HTML_NONE
    return format_html_join(
        ", ", "{}: <code>{}</code>", ((attribute_html(model, name), value_text(value)) for name, value in keys.items())
    )


@register.filter
def render_log_diff(diff: dict | None, model: type[Model] | None = None) -> SafeString:
    """Render a log entry's diff (``{"+": {...}, "-": {...}}``) as before/after attribute pairs, labelled."""
    if not diff:
        return HTML_NONE
    if not isinstance(diff, dict) or not ({"+", "-"} & set(diff)):
        return format_html("<code>{}</code>", value_text(diff))
    before, after = diff.get("-") or {}, diff.get("+") or {}
    return format_html_join(
        format_html("<br>"),
        '{}: <span class="text-danger">{}</span> &rarr; <span class="text-success">{}</span>',
        (
            (attribute_html(model, change.name), _side_text(change.name, before), _side_text(change.name, after))
            for change in attribute_changes(before, after)
        ),
    )


def _side_text(name: str, side: dict) -> str:
    """The text of one attribute on one side of a log diff; an em dash when that side lacks it."""
    return value_text(side[name]) if name in side else "\u2014"
