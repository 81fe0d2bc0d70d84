"""Fixtures for drift tests; snapshots come from tests/support/snapshots.py."""

from __future__ import annotations

import pytest

from drift.services import SnapshotPair
from tenantatlas.models import Tenant
from tests.support.snapshots import ALL_TYPES, demo_snapshot


@pytest.fixture
def two_syncs(tenant: Tenant) -> SnapshotPair:
    """Generations 0 and 1 of the demo tenant "acme" (40 policies), as baseline and current."""
    baseline = demo_snapshot(tenant, "acme", 0)
    current = demo_snapshot(tenant, "acme", 1)
    return SnapshotPair(ALL_TYPES, baseline=baseline, current=current)
