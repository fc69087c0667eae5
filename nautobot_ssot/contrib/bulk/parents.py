"""The parent prefix of IP addresses written in bulk, found from the namespace's prefixes read once per run.

Validating an IP address (``clean()``) looks up its closest parent prefix with one query, then reads that
prefix's namespace with another. ``ParentPrefixes`` reads the prefixes of a namespace once (primary key, network,
length) and answers the same question in memory: the longest prefix of the namespace that contains the host, as
``PrefixQuerySet.get_closest_parent(host, include_self=True)`` does. It hands the answer to the object before it is
validated, where ``clean()`` looks for it first (``internals.seed_closest_parent``), with one shared prefix instance
per parent whose namespace is loaded.

When a prefix is saved or deleted while the run writes (a prefix written on the default path, say), the prefixes
are read again on the next use. A namespace holding a prefix whose stored network is not in canonical form is not
answered from memory: its addresses are looked up by ``clean()`` itself.
"""

from __future__ import annotations

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


@dataclass
class ParentPrefixes:
    """The prefixes of the namespaces used in one run, by network, to find closest parents in memory.

    Attributes:
        networks: Per namespace primary key, the primary key of each prefix by its network (None: not canonical).
        instances: The prefix instances handed out, by primary key (with their namespace loaded).
    """

    networks: dict[Any, dict[Network, Any] | None] = field(default_factory=dict)
    instances: dict[Any, Model] = field(default_factory=dict)
    _watching: bool = False

    def seed(self, obj: Model) -> None:
        """Give an IP address about to be validated its closest parent, when the namespace's prefixes say it."""
        host = getattr(obj, "host", None)
        if not (host and isinstance(host, str) and internals.finds_closest_parent(obj)):
            return
        namespace = internals.namespace_of(obj)
        parent_pk = self._closest(namespace.pk, host)
        if parent_pk is not None:
            internals.seed_closest_parent(obj, namespace.pk, host, self._instance(parent_pk))

    def forget(self, *args: Any, **kwargs: Any) -> None:
        """Drop what was read (a prefix was saved or deleted); connected to the prefix signals."""
        self.networks.clear()
        self.instances.clear()

    def _closest(self, namespace_pk: Any, host: str) -> Any:
        networks = self._networks(namespace_pk)
        if networks is None:
            return None
        for key in containing_keys(host):
            if key in networks:
                return networks[key]
        return None

    def _networks(self, namespace_pk: Any) -> dict[Network, Any] | None:
        if namespace_pk not in self.networks:
            self._watch()
            self.networks[namespace_pk] = read_networks(namespace_pk)
        return self.networks[namespace_pk]

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
