"""The parent prefix of IP addresses and prefixes written in bulk, found from the prefixes read once per run.

Validating an IP address (``clean()``) looks up its closest parent prefix with one query, then reads that
prefix's namespace with another; validating a prefix looks up its closest supernet. ``ParentPrefixes`` reads the
prefixes of a namespace once (primary key, network, length), learns the prefixes validated for writing in the run
(``queue``), and answers the same questions in memory: the longest prefix of the namespace that contains the host, as
``PrefixQuerySet.get_closest_parent(host, include_self=True)`` does, or the longest other prefix containing a
prefix, as ``Prefix.get_parent()`` does. It hands the answer to an address before it is validated, where ``clean()``
looks for it first (``internals.seed_closest_parent``), and to a prefix through ``cleans.prefix_parent``: one
shared prefix instance per parent, with its namespace loaded (a copy, for a prefix queued in the run, given its
stored parent again when a later prefix moves it: ``reread_parents``).

When a prefix is saved or deleted one at a time while the run writes, the stored prefixes are read again on the
next use. A namespace holding a prefix whose stored network is not in canonical form is not answered from memory:
its addresses and prefixes are looked up by ``clean()`` itself.
"""

from __future__ import annotations

import copy
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.db.models.signals import post_delete, post_save

from nautobot_ssot.contrib.bulk import internals

Network = tuple[int, int, int]
"""(IP version, prefix length, network as an integer)."""

MAX_LENGTH = {4: 32, 6: 128}


def network_key(network: str, broadcast: str, length: int) -> Network | None:
    """Return the key of a prefix, or None when its network or broadcast is not the one its length gives."""
    address = ipaddress.ip_address(network)
    bits = MAX_LENGTH[address.version]
    value = int(address)
    masked = value >> (bits - length) << (bits - length) if length else 0
    last = masked | ((1 << (bits - length)) - 1)
    canonical = masked == value and int(ipaddress.ip_address(broadcast)) == last
    return (address.version, length, value) if canonical else None


def containing_keys(host: str) -> list[Network]:
    """Return the keys of every prefix that would contain ``host``, the longest first."""
    address = ipaddress.ip_address(host)
    bits, value = MAX_LENGTH[address.version], int(address)
    return [
        (address.version, length, value >> (bits - length) << (bits - length) if length else 0)
        for length in range(bits, -1, -1)
    ]


def shorter_keys(network: str, length: int) -> list[Network]:
    """Return the keys of every prefix that would contain a prefix of ``network``/``length``, the longest first."""
    keys = containing_keys(network)
    return keys[len(keys) - length :] if length else []


@dataclass
class ParentPrefixes:
    """The prefixes of the namespaces used in one run, by network, to find closest parents in memory.

    Attributes:
        networks: Per namespace primary key, the primary key of each prefix by its network (None: not canonical).
        instances: The prefix instances handed out, by primary key (with their namespace loaded).
    """

    networks: dict[Any, dict[Network, Any] | None] = field(default_factory=dict)
    instances: dict[Any, Model] = field(default_factory=dict)
    queued: dict[Any, dict[Network, Model]] = field(default_factory=dict)
    _watching: bool = False

    def seed(self, obj: Model) -> None:
        """Give an IP address (or range) about to be validated the closest parent of each of its hosts, when known."""
        if not internals.finds_closest_parent(obj):
            return
        for host in internals.parent_hosts(obj):
            if host and isinstance(host, str):
                namespace = internals.namespace_of(obj)
                parent = self._closest(namespace.pk, host)
                if parent is not None:
                    internals.seed_closest_parent(obj, namespace.pk, host, parent)

    def parent_of_prefix(self, prefix: Model) -> tuple[bool, Model | None]:
        """Return whether the parent of a prefix about to be validated is known here, and that parent.

        The parent is the longest other prefix of the namespace containing it, stored or queued in the run, as
        ``Prefix.get_parent()`` finds it among stored ones (Nautobot saves the queued ones first).
        """
        networks = self._networks(prefix.namespace_id)
        if networks is None or prefix.network is None or prefix.prefix_length is None:
            return False, None
        queued = self.queued.get(prefix.namespace_id, {})
        for key in shorter_keys(str(prefix.network), prefix.prefix_length):
            if key in queued:
                return True, self._handed(queued[key])
            if key in networks:
                return True, self._instance(networks[key])
        return True, None

    def queue(self, obj: Model) -> None:
        """Know an object validated for writing in the run: a prefix may be the parent of later ones and addresses."""
        from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

        if not isinstance(obj, Prefix):
            return
        key = network_key(str(obj.network), str(obj.broadcast), obj.prefix_length)
        if key is not None:
            self.queued.setdefault(obj.namespace_id, {})[key] = obj

    def forget(self, *args: Any, **kwargs: Any) -> None:
        """Drop what was read (a prefix was saved or deleted); connected to the prefix signals."""
        self.networks.clear()
        self.instances.clear()

    def _closest(self, namespace_pk: Any, host: str) -> Model | None:
        networks = self._networks(namespace_pk)
        if networks is None:
            return None
        queued = self.queued.get(namespace_pk, {})
        for key in containing_keys(host):
            if key in queued:
                return self._handed(queued[key])
            if key in networks:
                return self._instance(networks[key])
        return None

    def _networks(self, namespace_pk: Any) -> dict[Network, Any] | None:
        if namespace_pk not in self.networks:
            self._watch()
            self.networks[namespace_pk] = read_networks(namespace_pk)
        return self.networks[namespace_pk]

    def reread_parents(self) -> None:
        """Give the prefixes handed out the parent now stored (a new prefix was written over them).

        What is handed out stands for the prefix as Nautobot's query would read it when the object is validated,
        not for the object queued (whose own record shows it as it was validated).
        """
        from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

        if not self.instances:
            return
        stored = dict(Prefix.objects.filter(pk__in=list(self.instances)).values_list("pk", "parent_id"))
        for pk, instance in self.instances.items():
            if pk in stored:
                instance.parent_id = stored[pk]

    def _handed(self, queued: Model) -> Model:
        """A copy of a queued prefix to hand out as a parent (kept, and given its stored parent when it changes)."""
        if queued.pk not in self.instances:
            self.instances[queued.pk] = copy.copy(queued)
        return self.instances[queued.pk]

    def _instance(self, pk: Any) -> Model:
        from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

        if pk not in self.instances:
            self.instances[pk] = Prefix.objects.select_related("namespace").get(pk=pk)
        return self.instances[pk]

    def _watch(self) -> None:
        """Forget what was read whenever a prefix is saved or deleted (for as long as this object lives)."""
        from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

        if not self._watching:
            post_save.connect(self.forget, sender=Prefix)
            post_delete.connect(self.forget, sender=Prefix)
            self._watching = True


def read_networks(namespace_pk: Any) -> dict[Network, Any] | None:
    """Read the prefixes of a namespace by network (one query); None when one of them is not canonical."""
    from nautobot.ipam.models import Prefix  # noqa: PLC0415  (models load after apps)

    networks: dict[Network, Any] = {}
    rows = Prefix.objects.filter(namespace_id=namespace_pk).values_list("pk", "network", "broadcast", "prefix_length")
    for pk, network, broadcast, length in rows.iterator(chunk_size=5000):
        key = network_key(str(network), str(broadcast), length)
        if key is None:
            return None
        networks[key] = pk
    return networks
