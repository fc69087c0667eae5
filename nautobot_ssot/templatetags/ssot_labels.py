"""Readable labels for what a sync stores in the code's words: model names, attribute paths and unique ids.

A diff record or log entry keeps diffsync's raw names (``ip_address``, ``device_type__manufacturer__name``,
``192.0.2.3__32``): the REST API returns them unchanged. Pages show them, at render time, as people name them: the
Nautobot model's verbose name ("IP address"), the model fields' verbose names joined along the path ("Device type ›
Manufacturer › Name") and the object's display name when it exists, with the raw name on hover (``title``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, FieldError, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model, Q
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from nautobot_ssot.contrib.model import NautobotModel

PATH_SEPARATOR = " \u203a "
"""Between the labels of the steps of an attribute path: ``Device type › Manufacturer › Name``."""


def _subclasses(cls: type) -> Iterable[type]:
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def _declared_models(model_name: str) -> set[type[Model]]:
    """The Django models behind the ``NautobotModel`` classes named ``model_name``."""
    return {
        cls._model
        for cls in _subclasses(NautobotModel)
        if cls.__dict__.get("_modelname") == model_name and cls._model is not None
    }


def model_for_name(model_name: str) -> type[Model] | None:
    """The Django model a diffsync model name stands for, if exactly one fits.

    The ``NautobotModel`` classes declaring the name tell; otherwise the Django model named alike (``ip_address``
    and ``IPAddress`` both read ``ipaddress``).
    """
    declared = _declared_models(model_name)
    if len(declared) == 1:
        return declared.pop()
    squashed = model_name.replace("_", "").lower()
    named = [model for model in apps.get_models() if model._meta.model_name == squashed]
    return named[0] if len(named) == 1 else None


def humanize(name: str) -> str:
    """A code name read aloud: ``mask_length`` is "Mask length"."""
    return capfirst(name.replace("_", " ").strip())


def model_label(model_name: str) -> str:
    """The verbose name of the model behind ``model_name``: ``ip_address`` is "IP address"."""
    model = model_for_name(model_name)
    return capfirst(model._meta.verbose_name) if model is not None else humanize(model_name)


def _step(model: type[Model] | None, name: str) -> tuple[str, type[Model] | None]:
    """The label of one step of an attribute path, and the model the step leads to (if a relation)."""
    try:
        model_field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        model_field = None
    if model_field is None:
        return humanize(name), None
    label = getattr(model_field, "verbose_name", None) or name
    return humanize(str(label)), model_field.related_model if model_field.is_relation else None


def attribute_label(model: type[Model] | None, path: str) -> str:
    """An attribute path as people read it.

    ``device_type__manufacturer__name`` of a device is "Device type › Manufacturer › Name"; a step that is not a
    field of the model reads as its name does (``mask_length`` is "Mask length").
    """
    labels = []
    for name in path.split("__"):
        label, model = _step(model, name)
        labels.append(label)
    return PATH_SEPARATOR.join(labels)


def labelled(label: str, raw: str) -> SafeString:
    """``label`` showing ``raw`` on hover."""
    return format_html('<span title="{}">{}</span>', raw, label)


def model_html(model_name: str) -> SafeString:
    """A model's verbose name, its diffsync name on hover."""
    return labelled(model_label(model_name), model_name)


def attribute_html(model: type[Model] | None, path: str) -> SafeString:
    """An attribute's label, its raw path on hover."""
    return labelled(attribute_label(model, path), path)


@dataclass(frozen=True)
class ObjectKeys:
    """The identifiers of one object of a diff, as a lookup of its model.

    Attributes:
        model: The Django model.
        keys: The identifiers, each a lookup path of the model (``parent__namespace__name``), values as text
            (which two sets of identifiers compare by).
        lookup: The identifiers with their values as stored, to query with.
    """

    model: type[Model]
    keys: tuple[tuple[str, str], ...]
    lookup: Mapping[str, object] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, model: type[Model], keys: Mapping[str, object]) -> ObjectKeys:
        """The identifiers ``keys`` of an object of ``model``."""
        return cls(model, tuple(sorted((name, str(value)) for name, value in keys.items())), dict(keys))

    def of_object(self, instance: Model) -> ObjectKeys:
        """The same identifiers read from ``instance`` (None where a path ends early, as a missing parent)."""
        values = {}
        for name, _ in self.keys:
            value = instance
            for step in name.split("__"):
                value = getattr(value, step, None)
            values[name] = value
        return ObjectKeys.of(self.model, values)


def _forward(model: type[Model], name: str) -> type[Model] | None:
    """The model a forward to-one relation ``name`` of ``model`` leads to; None for anything else."""
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    to_one = model_field.many_to_one or model_field.one_to_one
    return model_field.related_model if model_field.is_relation and model_field.concrete and to_one else None


def _related_paths(model: type[Model], names: Iterable[str]) -> list[str] | None:
    """The ``select_related`` paths reading ``names`` needs; None when a path is not a chain of forward relations."""
    paths = set()
    for name in names:
        steps = name.split("__")
        current = model
        for index, step in enumerate(steps[:-1]):
            current = _forward(current, step)
            if current is None:
                return None
            paths.add("__".join(steps[: index + 1]))
    return sorted(paths)


def _query(wanted: list[ObjectKeys]) -> list[Model]:
    """The objects matching any of ``wanted`` (all of one model and one set of names), in one query."""
    model, names = wanted[0].model, [name for name, _ in wanted[0].keys]
    related = _related_paths(model, names)
    if related is None:
        return []
    condition = Q()
    for keys in wanted:
        condition |= Q(**keys.lookup)
    try:
        with transaction.atomic():
            return list(model.objects.select_related(*related).filter(condition)[: len(wanted) * 2])
    except (DatabaseError, FieldError, ValidationError, ValueError, TypeError):
        return []


def existing_objects(wanted: Iterable[ObjectKeys]) -> dict[ObjectKeys, Model]:
    """The objects that exist among ``wanted``: one query per model and set of identifier names."""
    wanted = set(wanted)
    groups: dict[tuple[type[Model], tuple[str, ...]], list[ObjectKeys]] = {}
    for keys in wanted:
        groups.setdefault((keys.model, tuple(name for name, _ in keys.keys)), []).append(keys)
    found = {}
    for group in groups.values():
        for instance in _query(group):
            found[group[0].of_object(instance)] = instance
    return {keys: found[keys] for keys in wanted if keys in found}
