"""Filter forms of the sync history, the log entries and a sync's diff."""

from django import forms
from nautobot.apps.constants import BOOLEAN_WITH_BLANK_CHOICES
from nautobot.apps.forms import (
    BootstrapMixin,
    DateTimePicker,
    DynamicModelMultipleChoiceField,
    StaticSelect2,
    StaticSelect2Multiple,
)
from nautobot.extras.choices import JobResultStatusChoices
from nautobot.extras.models import Job

from nautobot_ssot.choices import DiffActionChoices, SyncLogEntryActionChoices, SyncLogEntryStatusChoices
from nautobot_ssot.models import Sync, SyncDiffRecord, SyncLogEntry
from nautobot_ssot.permissions import restrict_form_to_requester, restrict_to_requester
from nautobot_ssot.templatetags.ssot_labels import model_label


def _distinct_sync_values(field: str):
    """Return a choices callable listing the distinct values of one column of the syncs the requester may view."""

    def choices():
        syncs = restrict_to_requester(Sync.objects.all())
        values = syncs.order_by(field).values_list(field, flat=True).distinct()
        return [(value, value) for value in values]

    return choices


class RequesterFilterForm(BootstrapMixin, forms.Form):
    """A filter form whose model fields accept and show only objects the requesting user may view."""

    def __init__(self, *args, **kwargs):
        """Build the form, then restrict its querysets (see ``nautobot_ssot.permissions``)."""
        super().__init__(*args, **kwargs)
        restrict_form_to_requester(self)


class SyncFilterForm(RequesterFilterForm):
    """Filters of the sync history."""

    model = Sync
    field_order = ["q", "source", "target", "job", "dry_run", "status", "start_time__gte", "start_time__lte"]
    q = forms.CharField(required=False, label="Search")
    source = forms.MultipleChoiceField(
        choices=_distinct_sync_values("source"), required=False, widget=StaticSelect2Multiple()
    )
    target = forms.MultipleChoiceField(
        choices=_distinct_sync_values("target"), required=False, widget=StaticSelect2Multiple()
    )
    job = DynamicModelMultipleChoiceField(queryset=Job.objects.all(), to_field_name="name", required=False, label="Job")
    dry_run = forms.NullBooleanField(
        required=False, label="Dry run", widget=StaticSelect2(choices=BOOLEAN_WITH_BLANK_CHOICES)
    )
    status = forms.MultipleChoiceField(choices=JobResultStatusChoices, required=False, widget=StaticSelect2Multiple())
    start_time__gte = forms.DateTimeField(required=False, label="Started after", widget=DateTimePicker())
    start_time__lte = forms.DateTimeField(required=False, label="Started before", widget=DateTimePicker())


class SyncLogEntryFilterForm(RequesterFilterForm):
    """Filters of the log entries."""

    model = SyncLogEntry
    field_order = ["q", "sync", "action", "status", "synced_object_type"]
    q = forms.CharField(required=False, label="Search")
    sync = DynamicModelMultipleChoiceField(queryset=Sync.objects.defer("diff"), required=False, label="Sync")
    action = forms.MultipleChoiceField(
        choices=SyncLogEntryActionChoices, required=False, widget=StaticSelect2Multiple()
    )
    status = forms.MultipleChoiceField(
        choices=SyncLogEntryStatusChoices, required=False, widget=StaticSelect2Multiple()
    )
    synced_object_type = forms.CharField(
        required=False, label="Object type", help_text="As app_label.model, for example tenancy.tenant"
    )


class SyncDiffRecordFilterForm(BootstrapMixin, forms.Form):
    """Filters of a sync's diff tab: action, model, text, conflicts and not converging."""

    model = SyncDiffRecord
    q = forms.CharField(required=False, label="Search")
    action = forms.MultipleChoiceField(choices=DiffActionChoices, required=False, widget=StaticSelect2Multiple())
    model_name = forms.MultipleChoiceField(choices=(), required=False, label="Model", widget=StaticSelect2Multiple())
    conflicts = forms.NullBooleanField(
        required=False, label="Conflicts", widget=StaticSelect2(choices=BOOLEAN_WITH_BLANK_CHOICES)
    )
    not_converging = forms.NullBooleanField(
        required=False, label="Not converging", widget=StaticSelect2(choices=BOOLEAN_WITH_BLANK_CHOICES)
    )

    def __init__(self, *args, model_names=(), **kwargs):
        """Offer ``model_names`` (the models present in the sync's diff) as model choices."""
        super().__init__(*args, **kwargs)
        self.fields["model_name"].choices = [(name, model_label(name)) for name in model_names]


def preselect_single_choices(form: forms.Form) -> None:
    """Preselect each required object choice of an unbound form that has exactly one object to choose from.

    A value the form was given (``initial``) or its field's default is kept.
    """
    if form.is_bound:
        return
    for name, field in form.fields.items():
        queryset = getattr(field, "queryset", None)
        if queryset is None or not field.required or field.initial is not None or name in form.initial:
            continue
        only = list(queryset[:2])
        if len(only) == 1:
            field.initial = only[0].pk
