"""Example jobs syncing with a remote Nautobot over its REST API: Example Data Source and Example Data Target.

``jobs`` lists them; ``nautobot_ssot.jobs`` registers them unless ``hide_example_jobs`` is set. The tutorial in
the developer docs builds a small integration step by step from them.
"""

from nautobot_ssot.jobs.examples.jobs import ExampleDataSource, ExampleDataTarget, jobs

__all__ = ("ExampleDataSource", "ExampleDataTarget", "jobs")
