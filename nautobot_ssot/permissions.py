"""Who is asking, where Nautobot does not say: restrict forms and filter sets to the requesting user.

Nautobot builds job forms (``Job.as_form``), list filter forms, the dynamic filter form and the filter chips of
a list without handing them the request, so their querysets would otherwise list every object. Nautobot wraps
every web request, REST request and job run in a change context that knows the user (its
``ObjectChangeMiddleware`` and job runner); this module is the one place that reads it. It reads a name that
``nautobot.apps`` does not export, so it checks the Nautobot version it was written for, and
``tests/test_permissions.py`` holds canary tests of the reach.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Union

import nautobot
from django.db.models import QuerySet
from nautobot.apps.forms import restrict_form_fields
from nautobot.extras.signals import change_context_state

if TYPE_CHECKING:
    from django import forms
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django_filters import FilterSet

RequestUser = Union["AbstractBaseUser", "AnonymousUser"]
"""Who asks: a user, or the anonymous user of a request that is not signed in."""

READS_CHANGE_CONTEXT_OF = "3."
if not nautobot.__version__.startswith(READS_CHANGE_CONTEXT_OF):
    raise ImportError(
        f"nautobot_ssot.permissions reads the change context of Nautobot {READS_CHANGE_CONTEXT_OF}x, "
        f"not of Nautobot {nautobot.__version__}; check that its canary tests still pass and update the check."
    )


def requesting_user() -> RequestUser | None:
    """The user of the current web request, REST request or job run; None outside any of them (shell, tests)."""
    context = change_context_state.get()
    if context is None:
        return None
    request = getattr(context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None else context.user


def restrict_to_requester(queryset: QuerySet, action: str = "view") -> QuerySet:
    """``queryset`` restricted to what the requesting user may ``action``; unchanged when nobody is asking."""
    user = requesting_user()
    return queryset if user is None else queryset.restrict(user, action)


def restrict_form_to_requester(form: forms.Form) -> None:
    """Restrict every queryset of ``form`` to what the requesting user may view (as Nautobot does for edit forms)."""
    user = requesting_user()
    if user is not None:
        restrict_form_fields(form, user)


def restrict_filters_to_requester(filterset: FilterSet) -> None:
    """Restrict the querysets of ``filterset``'s model filters to what its request's user (or the requester) may view.

    The filters' querysets resolve filter values and render the selected values (filter chips, the dynamic filter
    form), so restricting them keeps objects the user may not view out of both.
    """
    request = getattr(filterset, "request", None)
    user = getattr(request, "user", None) or requesting_user()
    if user is None:
        return
    for model_filter in filterset.filters.values():
        queryset = model_filter.extra.get("queryset")
        if isinstance(queryset, QuerySet) and hasattr(queryset, "restrict"):
            model_filter.queryset = model_filter.extra["queryset"] = queryset.restrict(user, "view")
