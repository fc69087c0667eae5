"""Rendering of conflicts and of records that do not converge (see ``nautobot_ssot.sync.conflicts``)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from nautobot.apps.templatetags import placeholder

from nautobot_ssot.models import SyncConflict, SyncDiffRecord

register = template.Library()


def record_history_url(model_name: str, unique_id: str) -> str:
    """The log entries of one record in every sync: what each run did to it."""
    query = urlencode({"model_name": model_name, "unique_id": unique_id})
    return f"{reverse('plugins:nautobot_ssot:synclogentry_list')}?{query}"


@register.simple_tag
def render_not_converging(record: SyncDiffRecord, attributes: list[str] | None) -> SafeString:
    """The attributes that changed in each of the last runs, linked to the record's history (nothing if none)."""
    if not attributes:
        return placeholder(None)
    url = record_history_url(record.model_name, record.unique_id)
    return format_html('{} <a href="{}">(history)</a>', ", ".join(attributes), url)


@register.simple_tag
def conflict_change_link(conflict: SyncConflict, changed_at: datetime | None) -> SafeString:
    """When the field was changed, linked to Nautobot's change record."""
    if changed_at is None:
        return placeholder(None)
    text = changed_at.strftime("%Y-%m-%d %H:%M:%S")
    if conflict.change_id is None:
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', reverse("extras:objectchange", kwargs={"pk": conflict.change_id}), text)
