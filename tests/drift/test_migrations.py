"""drift 0003: stored drift runs name their snapshots ``*_sync_id``; other runs keep their keys."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tenantatlas.models import Tenant

BEFORE = [("drift", "0002_withhold_secrets")]
AFTER = [("drift", "0003_context_sync_ids")]
OPERATIONS = ("operations", "0004_processed_generated_drop_attempt")


def _migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


@pytest.mark.django_db(transaction=True)
def test_stored_drift_contexts_are_renamed_and_back(tenant: Tenant) -> None:
    # The runs as the database holds them now (operations at its latest), drift before 0003.
    state = _migrate(BEFORE).loader.project_state([*BEFORE, OPERATIONS])
    apps = state.apps
    Run = apps.get_model("operations", "OperationRun")
    old = {"scope_key": "deviceConfiguration", "baseline_run_id": 3, "current_run_id": 5}
    drift = Run.objects.create(
        tenant_id=tenant.pk, resource="drift", action="generate", context=old
    )
    other = Run.objects.create(
        tenant_id=tenant.pk, resource="hubtest", action="alpha", context={"baseline_run_id": 1}
    )

    _migrate(AFTER)
    drift.refresh_from_db()
    other.refresh_from_db()
    assert drift.context == {
        "scope_key": "deviceConfiguration", "baseline_sync_id": 3, "current_sync_id": 5,
    }  # fmt: skip
    assert other.context == {"baseline_run_id": 1}

    _migrate(BEFORE)
    drift.refresh_from_db()
    assert drift.context == old
    _migrate(AFTER)
