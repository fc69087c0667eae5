"""The REST API serialization of change records (``object_data_v2``), done per batch with per-flush memos.

``serialize_object_v2`` serializes one object with its model's API serializer. For thousands of objects most of
that work repeats: the nested representation of the same region, tenant, status or tag, the URL of every object
(one URL resolver walk each), the slug of the same natural key values. ``serialize_v2`` serializes a batch with
one list serializer and a ``SerializerMemo`` that lives for one flush:

- nested serializers remember their output per related object; the output of an object is dropped when that
  object is written again (``forget``), so a later batch sees it as it is stored;
- hyperlinks to an object by its primary key are built from a template made by the first real ``reverse()`` of
  each view (the primary key is the only part that changes);
- natural slugs are built from the slug of each natural key value, each made once;
- time fields convert to the current time zone, read once per batch rather than once per value;
- plain attributes of model instances are read directly (``plain_attribute``).

The output is the same as ``serialize_object_v2``'s (a test compares them). ``serialize_v1`` does the same for
``serialize_object`` (``object_data``), whose stored JSON is the same.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Model
from django.utils.encoding import is_protected_type
from nautobot.core.api.exceptions import SerializerNotFound
from nautobot.core.api.utils import get_serializer_for_model
from nautobot.core.constants import NATURAL_SLUG_SEPARATOR
from nautobot.core.models import BaseModel
from nautobot.core.models.tree_queries import TreeModel
from nautobot.core.models.utils import construct_natural_slug, is_taggable, serialize_object
from nautobot.core.utils.cache import construct_cache_key
from rest_framework.fields import DateTimeField, Field, SkipField, empty
from rest_framework.relations import HyperlinkedRelatedField, ManyRelatedField
from rest_framework.serializers import ListSerializer, Serializer

from nautobot_ssot.contrib.bulk import internals
from nautobot_ssot.contrib.bulk.cachememo import CacheMemo

SERIALIZER_CONTEXT = {"request": None, "depth": 1, "exclude_m2m": False}
"""The context Nautobot serializes changed objects with (``serialize_object_v2``)."""

TEMPLATED_KEYS = (uuid.UUID, int)
"""Key types whose text appears unchanged in a reversed URL (no quoting), so that a URL template holds for all."""

PLAIN_TEXT = re.compile(r"[A-Za-z0-9 ._/-]*")
"""Text whose slug ``slug_of_value`` makes itself (most names)."""

NOT_SLUG = re.compile(r"[^a-z0-9]+")
"""A run of characters a slug of lowercased plain text replaces with one dash."""

UrlTemplate = tuple[str, str]
"""The text before and after the key in the URLs of one view."""


@dataclass
class NaturalSlugs:
    """What the API serializer's ``get_natural_slug`` returns, for models with the base ``natural_slug``.

    The serializer's ``getattr(instance, "natural_slug", construct_natural_slug(...))`` builds the slug twice
    (for its default, then through the property). Here it is built once, from the slug of each natural key value
    and of the primary key, each made as ``construct_natural_slug`` makes it (``slug_of_value``) and remembered:
    the parents, types and other values objects share are slugified once. For models with the base
    ``natural_key()``, the natural key lookups (which for a tree depend on its depth and a setting) are read once
    per batch (``new_batch``).

    Attributes:
        parts: Slug of each natural key value, per (type, value).
        lookups: The natural key lookups of each model in this batch, split into attribute names.
    """

    parts: dict[Any, str] = field(default_factory=dict)
    lookups: dict[type[Model], tuple[tuple[str, ...], ...]] = field(default_factory=dict)

    def new_batch(self) -> None:
        """Read the natural key lookups again (a written batch may have deepened a tree); forget the slugs.

        The slugs of the values a batch shares (parents, types) are made again once per batch, so that a flush
        does not hold the slug of every object's name.
        """
        self.lookups.clear()
        self.parts.clear()

    def __call__(self, instance: Model) -> str:
        """Return the natural slug of ``instance`` (``unknown`` when it has no natural key)."""
        try:
            values = self._natural_key(instance)
        except (AttributeError, NotImplementedError):
            return "unknown"
        parts = [self._part(value) for value in values]
        if instance.pk is not None:
            parts.append(natural_slug_of_pk(instance.pk))
        return NATURAL_SLUG_SEPARATOR.join(parts)

    def _natural_key(self, instance: Model) -> list[Any]:
        """``instance.natural_key()``, with the model's lookups read once per batch when it is the base one."""
        model = type(instance)
        if getattr(model, "natural_key", None) is not BaseModel.natural_key:
            return instance.natural_key()
        if model not in self.lookups:
            self.lookups[model] = tuple(tuple(lookup.split("__")) for lookup in model.natural_key_field_lookups)
        return natural_key_values(instance, self.lookups[model])

    def _part(self, value: Any) -> str:
        key = (type(value), value)
        if key not in self.parts:
            self.parts[key] = slug_of_value(value)
        return self.parts[key]


def slug_of_value(value: Any) -> str:
    """``construct_natural_slug([value])``, made directly for text of ASCII letters, digits, spaces and ``._/-``.

    Such text holds no emoji, accents, quotes, entities or digit-separating commas, so slugifying it only
    lowercases it and turns each run of other characters into one dash, without dashes at either end.
    """
    if isinstance(value, str) and PLAIN_TEXT.fullmatch(value):
        return NOT_SLUG.sub("-", value.lower()).strip("-")
    return construct_natural_slug([value])


def natural_key_values(instance: Model, lookups: tuple[tuple[str, ...], ...]) -> list[Any]:
    """Follow each lookup from ``instance`` as ``BaseModel.natural_key()`` does (text unless a plain value).

    A lookup stops at the first empty relation; empty values at the end are dropped.
    """
    values = []
    for path in lookups:
        value: Any = instance
        for name in path:
            value = getattr(value, name)
            if value is None:
                break
        values.append(value if is_protected_type(value) else str(value))
    while values and values[-1] is None:
        values.pop()
    return values


@dataclass
class SerializerMemo:
    """What the serializers of one flush remember: nested representations, URL templates, natural slugs.

    Attributes:
        nested: Representation per related object's primary key, per (serializer class, field name).
        urls: URL template per (view name, format) for hyperlinks, and per (model, "notes") for notes URLs.
        slugs: Slugs of natural key values.
        lookups: The relations to prefetch per batch, per serializer class (``prefetch_lookups``).
        serializers: The list serializer of each model, made once and used for every batch of the flush.
    """

    nested: dict[tuple[type, str], dict[Any, Any]] = field(default_factory=dict)
    urls: dict[Any, UrlTemplate | None] = field(default_factory=dict)
    slugs: NaturalSlugs = field(default_factory=NaturalSlugs)
    lookups: dict[type, list[str]] = field(default_factory=dict)
    serializers: dict[type[Model], ListSerializer] = field(default_factory=dict)

    def serializer_for(self, objects: Sequence[Model]) -> ListSerializer:
        """Return the list serializer of ``objects`` (all of one model), made and attached once per flush.

        A serializer and its fields refer to each other, so each one made per batch would stay in memory until
        the garbage collector runs, which the bulk path pauses while it writes.

        Raises:
            SerializerNotFound: The model has no API serializer.
        """
        model = type(objects[0])
        serializer = self.serializers.get(model)
        if serializer is None:
            serializer_class = get_serializer_for_model(model)
            serializer = serializer_class([], many=True, context=dict(SERIALIZER_CONTEXT))
            self.attach(serializer.child)
            self.serializers[model] = serializer
        internals.serialize_next(serializer, objects)
        self.slugs.new_batch()
        return serializer

    def forget(self, pks: Sequence[Any]) -> None:
        """Drop the nested representations of objects that are being written again."""
        for representations in self.nested.values():
            for pk in pks:
                representations.pop(pk, None)

    def attach(self, serializer: Serializer) -> None:
        """Make one batch's (child) serializer use the memo."""
        for name, serializer_field in serializer.fields.items():
            nested = serializer_field.child if isinstance(serializer_field, ListSerializer) else serializer_field
            if isinstance(nested, Serializer) and not isinstance(nested, ListSerializer):
                self._prepare(nested)
                memo = self.nested.setdefault((type(serializer), name), {})
                internals.override(nested, "to_representation", remembered(nested.to_representation, memo))
        self._prepare(serializer)

    def _prepare(self, serializer: Serializer) -> None:
        """Template the serializer's URLs, fix its time fields' zone for the batch, read plain attributes directly.

        Its natural slugs (a nested serializer's too) are made by ``slugs`` where the model's are the base ones.
        """
        model = serializer.Meta.model
        if getattr(model, "natural_slug", None) is BaseModel.natural_slug and "natural_slug" in serializer.fields:
            internals.override(serializer, "get_natural_slug", self.slugs)
        for serializer_field in serializer.fields.values():
            if isinstance(serializer_field, HyperlinkedRelatedField) and serializer_field.lookup_field == "pk":
                internals.override(serializer_field, "get_url", self._hyperlink(serializer_field.get_url))
            elif isinstance(serializer_field, DateTimeField) and not hasattr(serializer_field, "timezone"):
                internals.override(serializer_field, "timezone", serializer_field.default_timezone())
            if type(serializer_field).get_attribute is Field.get_attribute and len(serializer_field.source_attrs) == 1:
                internals.override(serializer_field, "get_attribute", plain_attribute(serializer_field))
        if "notes_url" in serializer.fields and hasattr(serializer, "get_notes_url"):
            internals.override(serializer, "get_notes_url", self._notes_url(serializer.get_notes_url))

    def _hyperlink(self, get_url: Callable[..., Any]) -> Callable[..., Any]:
        def url(obj: Model, view_name: str, request: Any, format: Any) -> Any:  # noqa: A002  (DRF's name)
            return self.expand((view_name, format), obj.pk, request, lambda: get_url(obj, view_name, request, format))

        return url

    def _notes_url(self, get_notes_url: Callable[[Model], Any]) -> Callable[[Model], Any]:
        def notes_url(instance: Model) -> Any:
            return self.expand((type(instance), "notes"), instance.pk, None, lambda: get_notes_url(instance))

        return notes_url

    def expand(self, key: Any, pk: Any, request: Any, reverse: Callable[[], Any]) -> Any:
        """Return the URL of ``pk`` from the template under ``key``, making the template with ``reverse`` first."""
        if request is not None or not isinstance(pk, TEMPLATED_KEYS):
            return reverse()
        template = self.urls.get(key)
        if template is not None:
            return f"{template[0]}{pk}{template[1]}"
        result = reverse()
        if key not in self.urls:
            pieces = result.split(str(pk)) if isinstance(result, str) else ()
            self.urls[key] = (pieces[0], pieces[1]) if len(pieces) == 2 else None
        return result


def plain_attribute(serializer_field: Field) -> Callable[[Any], Any]:
    """Return what ``serializer_field.get_attribute`` returns, reading a model attribute directly when it can.

    DRF's ``get_attribute`` asks, per value, whether the instance is a mapping (an ABC check) and whether the
    value is a simple callable (an ``inspect`` walk). For a model instance and a value that is not callable,
    the answer is the attribute itself, and a missing attribute is answered as DRF answers it
    (``missing_attribute``); anything else (another error, a callable) goes through DRF's own method.
    """
    name = serializer_field.source_attrs[0]
    through = serializer_field.get_attribute

    def get_attribute(instance: Any) -> Any:
        if isinstance(instance, Model):
            try:
                value = getattr(instance, name)
            except ObjectDoesNotExist:
                return None
            except (KeyError, AttributeError):
                return missing_attribute(serializer_field, through, instance)
            except Exception:  # noqa: BLE001  (DRF's own method decides what another error means)
                return through(instance)
            if not callable(value):
                return value
        return through(instance)

    return get_attribute


def missing_attribute(serializer_field: Field, through: Callable[[Any], Any], instance: Any) -> Any:
    """What DRF's ``get_attribute`` gives for an attribute the instance does not have (such as a count field).

    The field's default, None when it allows null, no value (``SkipField``) when it is not required; a
    required field goes through DRF's own method, which raises its explanatory error.
    """
    if serializer_field.default is not empty:
        return serializer_field.get_default()
    if serializer_field.allow_null:
        return None
    if not serializer_field.required:
        raise SkipField
    return through(instance)


def remembered(represent: Callable[[Model], Any], results: dict[Any, Any]) -> Callable[[Model], Any]:
    """Return ``represent`` remembering its result per primary key in ``results``."""

    def representation(instance: Model) -> Any:
        key = getattr(instance, "pk", None)
        if key is None:
            return represent(instance)
        if key not in results:
            results[key] = represent(instance)
        return results[key]

    return representation


def serialize_v2(objects: Sequence[Model], memo: SerializerMemo) -> list[Any]:
    """Serialize objects (all of one model) like ``serialize_object_v2``, with one list serializer."""
    try:
        serializer = memo.serializer_for(objects)
    except SerializerNotFound:
        return [serialize_object(obj) for obj in objects]
    if type(serializer.child) not in memo.lookups:
        memo.lookups[type(serializer.child)] = prefetch_lookups(serializer.child)
    lookups = memo.lookups[type(serializer.child)]
    with internals.prefetched(objects, lookups):
        cache_memo = CacheMemo.current()
        if cache_memo is None:
            return internals.take_output(serializer)
        keys = preload_displays(cache_memo, objects)
        with cache_memo.deferring():
            data = internals.take_output(serializer)
        cache_memo.forget(keys)
        return data


def prefetch_lookups(serializer: Serializer) -> list[str]:
    """The relations a batch's serializer would read object by object, to prefetch per batch.

    Its to-many fields (an interface's IP addresses), the to-many fields of their nested serializers (each
    address's interfaces) and of its nested foreign keys (an assignment's address's interfaces), the related
    objects the natural slug of each nested object reads (an address's parent prefix and namespace), and the
    cable and cable paths of cable endpoints (nested ones too).
    """
    lookups = internals.endpoint_prefetches(serializer.Meta.model)
    for name, related, nested in many_relations(serializer):
        lookups.append(name)
        lookups.extend(f"{name}__{path}" for path in natural_key_paths(related))
        lookups.extend(f"{name}__{path}" for path in internals.endpoint_prefetches(related))
        if nested is not None:
            lookups.extend(f"{name}__{inner}" for inner, _, _ in many_relations(nested))
    for name, nested in nested_foreign_keys(serializer):
        lookups.extend(f"{name}__{inner}" for inner, _, _ in many_relations(nested))
    return lookups


def nested_foreign_keys(serializer: Serializer) -> list[tuple[str, Serializer]]:
    """Return the serializer's fields nesting the object of a foreign key of its model: name, nested serializer."""
    model = serializer.Meta.model
    found = []
    for serializer_field in serializer.fields.values():
        if not isinstance(serializer_field, Serializer) or isinstance(serializer_field, ListSerializer):
            continue
        try:
            model_field = model._meta.get_field(serializer_field.source)
        except FieldDoesNotExist:
            continue
        if model_field.is_relation and model_field.many_to_one:
            found.append((serializer_field.source, serializer_field))
    return found


def many_relations(serializer: Serializer) -> list[tuple[str, type[Model], Serializer | None]]:
    """Return the serializer's fields for to-many relations of its model: name, related model, nested serializer."""
    model = serializer.Meta.model
    found = []
    for serializer_field in serializer.fields.values():
        if not isinstance(serializer_field, (ListSerializer, ManyRelatedField)) or "." in serializer_field.source:
            continue
        try:
            model_field = model._meta.get_field(serializer_field.source)
        except FieldDoesNotExist:
            continue
        if model_field.is_relation and (model_field.many_to_many or model_field.one_to_many):
            child = getattr(serializer_field, "child", None)
            found.append(
                (serializer_field.source, model_field.related_model, child if isinstance(child, Serializer) else None)
            )
    return found


def natural_key_paths(model: type[Model]) -> list[str]:
    """Return the foreign key paths the natural key of ``model`` follows (``parent__namespace`` of an address)."""
    lookups = getattr(model, "natural_key_field_lookups", ())
    paths = {lookup.rsplit("__", 1)[0] for lookup in lookups if "__" in lookup}
    return sorted(paths)


def serialize_v1(objects: Sequence[Model]) -> list[dict[str, Any]]:
    """Serialize objects (all of one model) like ``serialize_object``, for storing.

    ``serialize_object`` runs Django's JSON serializer per object and reads its text back: the field values of
    Django's Python serializer (which the JSON one is built on), encoded with ``DjangoJSONEncoder``. Here those
    values are kept as they are (dates and times still objects) for the record's field, whose encoder is the
    same ``DjangoJSONEncoder``, so the stored JSON is the same with one encoding instead of three.
    """
    rows = serializers.serialize("python", objects)
    return [finish_v1(obj, row["fields"]) for obj, row in zip(objects, rows, strict=True)]


def finish_v1(obj: Model, data: dict[str, Any]) -> dict[str, Any]:
    """Do what ``serialize_object`` does after serializing: custom fields, tag names, no private fields."""
    if internals.has_custom_field_data(obj):
        data["custom_fields"] = internals.custom_field_data(data)
    if is_taggable(obj):
        prefetched = internals.prefetched_relation(obj, "tags")
        tags = internals.tags_set_on(obj) or (prefetched if prefetched is not None else obj.tags.only("name"))
        data["tags"] = [tag.name for tag in tags]
    return {key: value for key, value in data.items() if not (isinstance(key, str) and key.startswith("_"))}


def natural_slug_of_pk(pk: Any) -> str:
    """The last part of a natural slug, for a primary key (what ``construct_natural_slug`` makes of it)."""
    if isinstance(pk, uuid.UUID):
        return str(pk)[:4]
    return construct_natural_slug([], pk=pk)


def preload_displays(memo: CacheMemo, objects: Sequence[Model]) -> list[str]:
    """Read the cached ``display`` of tree objects and of their parents with one cache query; return the keys.

    ``TreeModel.display`` reads its own key and its parent's, then writes its own, per object.
    """
    if not isinstance(objects[0], TreeModel):
        return []
    keys = []
    for obj in objects:
        key = construct_cache_key(obj, method_name="display", branch_aware=True)
        keys.append(key)
        if getattr(obj, "parent_id", None) is not None:
            keys.append(internals.parent_display_key(key, obj))
    memo.preload(keys)
    return keys
