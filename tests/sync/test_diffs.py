"""Tests of ``CompactDiff``: diffsync's diff, without a table of children in the elements that have none."""

from __future__ import annotations

import copy
import pickle
import tracemalloc
from typing import ClassVar

from diffsync import Adapter, DiffSyncModel
from diffsync.diff import Diff
from django.test import SimpleTestCase

from nautobot_ssot.jobs.base import DataSyncBaseJob
from nautobot_ssot.sync.diffs import NO_CHILDREN, CompactDiff, checked_elements


class Rack(DiffSyncModel):
    _modelname = "rack"
    _identifiers = ("name",)
    _attributes = ("height",)
    _children: ClassVar[dict[str, str]] = {"unit": "units"}

    name: str
    height: int = 42
    units: list[str] = []


class Unit(DiffSyncModel):
    _modelname = "unit"
    _identifiers = ("rack", "position")
    _attributes = ("label",)

    rack: str
    position: int
    label: str = ""


class Inventory(Adapter):
    rack = Rack
    unit = Unit
    top_level: ClassVar[list[str]] = ["rack"]


class Units(Adapter):
    unit = Unit
    top_level: ClassVar[list[str]] = ["unit"]


def inventory(racks: dict[str, int], units: dict[tuple[str, int], str]) -> Inventory:
    adapter = Inventory()
    for name, height in racks.items():
        adapter.add(Rack(name=name, height=height))
    for (rack, position), label in units.items():
        unit = Unit(rack=rack, position=position, label=label)
        adapter.add(unit)
        adapter.get(Rack, rack).add_child(unit)
    return adapter


def diffs(diff_class: type[Diff]) -> Diff:
    source = inventory({"r1": 42, "r2": 48, "r3": 42}, {("r1", 1): "a", ("r1", 2): "b", ("r2", 1): "c"})
    target = inventory({"r1": 42, "r2": 42, "r4": 42}, {("r1", 1): "a", ("r1", 3): "x", ("r4", 1): "d"})
    return source.diff_to(target, diff_class=diff_class)


class CompactDiffTestCase(SimpleTestCase):
    def test_reads_as_diffsyncs_own_diff(self):
        compact, plain = diffs(CompactDiff), diffs(Diff)
        self.assertEqual(compact.dict(), plain.dict())
        self.assertEqual(compact.summary(), plain.summary())
        self.assertEqual(compact.str(), plain.str())
        self.assertEqual(len(compact), len(plain))
        self.assertEqual(
            [(element.type, element.name, element.action) for element in compact.get_children()],
            [(element.type, element.name, element.action) for element in plain.get_children()],
        )

    def test_only_elements_with_children_have_a_table_of_them(self):
        compact = diffs(CompactDiff)
        racks = {element.name: element for element in compact.get_children()}
        self.assertIsNot(racks["r1"].child_diff.children, NO_CHILDREN)
        self.assertEqual(sorted(racks["r1"].child_diff.children["unit"]), ["r1__1", "r1__2", "r1__3"])
        for unit in racks["r1"].get_children():
            self.assertIs(unit.child_diff.children, NO_CHILDREN)
        self.assertFalse(racks["r1"].child_diff.children["unit"]["r1__1"].has_diffs())

    def test_the_shared_empty_table_cannot_be_written_to(self):
        with self.assertRaises(TypeError):
            CompactDiff().children["unit"] = {}

    def test_copies_and_pickles_share_the_empty_table_and_read_the_same(self):
        compact = diffs(CompactDiff)
        for copied in (copy.deepcopy(compact), pickle.loads(pickle.dumps(compact))):
            self.assertEqual(copied.dict(), compact.dict())
            leaf = next(next(copied.get_children()).get_children())
            self.assertIs(leaf.child_diff.children, NO_CHILDREN)

    def test_an_element_without_children_holds_some_300_bytes_less(self):
        self.assertGreater(allocated(Diff) - allocated(CompactDiff), 300 * ELEMENTS)

    def test_jobs_compute_compact_diffs(self):
        self.assertIs(DataSyncBaseJob.diff_class, CompactDiff)

    def test_checked_elements_are_the_updates_and_deletes_at_any_depth(self):
        for diff_class in (Diff, CompactDiff):
            with self.subTest(diff_class=diff_class.__name__):
                by_type = checked_elements(diffs(diff_class))
                changed = {
                    (element.type, element.name, element.action) for items in by_type.values() for element in items
                }
                expected = {("rack", "r2", "update"), ("rack", "r4", "delete"), ("unit", "r1__3", "delete")}
                self.assertEqual(changed, expected | {("unit", "r4__1", "delete")})


ELEMENTS = 2000


def allocated(diff_class: type[Diff]) -> int:
    """Bytes a diff of ``ELEMENTS`` new objects without children holds."""
    source = Units()
    for number in range(ELEMENTS):
        source.add(Unit(rack="r", position=number))
    target = Units()
    tracemalloc.start()
    try:
        diff = source.diff_to(target, diff_class=diff_class)
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del diff
    return held
