"""Policy sources that other apps plug in, so that inventory never imports them.

Microsoft Graph is inventory's own source and is not registered here. The demo
app registers the demo source from its ``AppConfig.ready()`` when the demo is
enabled (``DEMO_ENABLED``); in production nothing is registered, so a
connection of an unregistered kind cannot be read, and a tenant without a
connection is "not connected" instead of getting generated data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from inventory.sources.base import PolicySource

if TYPE_CHECKING:
    from inventory.models import TenantConnection

Sleep = Callable[[float], None]


def _nothing(connection: TenantConnection) -> None:
    return None


@dataclass(frozen=True)
class PluggedSource:
    kind: str  # the TenantConnection.kind it reads
    # (connection, policy types, sleep) -> the source one sync reads
    build: Callable[[TenantConnection, tuple[str, ...], Sleep], PolicySource]
    # After a sync that read it succeeded (the demo moves on one generation).
    after_sync: Callable[[TenantConnection], None] = _nothing
    # A tenant without a connection gets this kind on its first sync.
    default_for_new_tenants: bool = False


_SOURCES: dict[str, PluggedSource] = {}


def register(source: PluggedSource) -> None:
    _SOURCES[source.kind] = source


def unregister(kind: str) -> PluggedSource | None:
    """For tests that show what production (nothing plugged in) does."""
    return _SOURCES.pop(kind, None)


def plugged(kind: str) -> PluggedSource | None:
    return _SOURCES.get(kind)


def kinds() -> frozenset[str]:
    return frozenset(_SOURCES)


def default_for_new_tenants() -> PluggedSource | None:
    return next((s for s in _SOURCES.values() if s.default_for_new_tenants), None)
