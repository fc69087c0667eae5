"""Tests of the forms: the diff filter's model labels; a required object choice with a single option preselected."""

from django import forms
from nautobot.apps.testing import TestCase
from nautobot.extras.models import ExternalIntegration
from nautobot.tenancy.models import Tenant

from nautobot_ssot.forms import SyncDiffRecordFilterForm, preselect_single_choices
from nautobot_ssot.jobs.examples import ExampleDataSource


class ChoiceForm(forms.Form):
    """A required and an optional choice of tenant."""

    tenant = forms.ModelChoiceField(queryset=Tenant.objects.all())
    other = forms.ModelChoiceField(queryset=Tenant.objects.all(), required=False)


class PreselectTestCase(TestCase):
    def test_a_single_choice_is_preselected_only_when_required(self):
        tenant = Tenant.objects.create(name="fx-only")
        form = ChoiceForm()
        preselect_single_choices(form)
        self.assertEqual(form.fields["tenant"].initial, tenant.pk)
        self.assertIsNone(form.fields["other"].initial)

    def test_two_choices_leave_the_choice_to_the_user(self):
        Tenant.objects.create(name="fx-one")
        Tenant.objects.create(name="fx-two")
        form = ChoiceForm()
        preselect_single_choices(form)
        self.assertIsNone(form.fields["tenant"].initial)

    def test_a_given_value_is_kept(self):
        Tenant.objects.create(name="fx-only")
        form = ChoiceForm(initial={"tenant": None})
        preselect_single_choices(form)
        self.assertIsNone(form.fields["tenant"].initial)

    def test_the_example_jobs_form_preselects_the_only_integration(self):
        integration = ExternalIntegration.objects.create(name="Remote", remote_url="https://remote.example.com")
        self.assertEqual(ExampleDataSource.as_form().fields["integration"].initial, integration.pk)
        ExternalIntegration.objects.create(name="Second", remote_url="https://second.example.com")
        self.assertIsNone(ExampleDataSource.as_form().fields["integration"].initial)


class DiffFilterFormTestCase(TestCase):
    def test_models_are_offered_by_their_verbose_names(self):
        form = SyncDiffRecordFilterForm(model_names=["ip_address", "vlan_group"])
        expected = [("ip_address", "IP address"), ("vlan_group", "VLAN group")]
        self.assertEqual(form.fields["model_name"].choices, expected)
