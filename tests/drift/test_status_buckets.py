"""Status-bucket semantics for drift runs: what a person sees after each kind of outcome.

Counts are per policy compared: a finding is succeeded, an unchanged policy
skipped, a policy whose settings cannot be compared failed. The bucket then
follows DESIGN.md's one rule, in Python and in the generated column alike.
"""

from __future__ import annotations

from typing import Any

import pytest

from drift.services import SnapshotPair
from operations.lifecycle import run_inline
from operations.models import OperationRun, RunStatus
from tenantatlas.models import Tenant
from tests.support.snapshots import ALL_TYPES, policy, store_snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def fragile_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Policies whose settings hold ``"fragile": True`` cannot be compared."""
    import drift.diff
    import drift.jobs

    real = drift.diff.diff_settings  # what drift.jobs calls

    def diff(before: Any, after: Any) -> Any:
        if before.get("fragile"):
            raise ValueError("cannot compare")
        return real(before, after)

    monkeypatch.setattr(drift.jobs, "diff_settings", diff)


def generate(tenant: Tenant, before: list[Any], after: list[Any]) -> OperationRun:
    pair = SnapshotPair(
        ALL_TYPES, baseline=store_snapshot(tenant, before), current=store_snapshot(tenant, after)
    )
    return run_inline(tenant=tenant, run_type="drift.generate", context=pair.context)


def stored_bucket(run: OperationRun) -> str:
    bucket: str = OperationRun.objects.values_list("status_bucket", flat=True).get(pk=run.pk)
    return bucket


def test_a_run_with_findings_and_nothing_failed_succeeded(tenant: Tenant) -> None:
    run = generate(tenant, [policy("a", {"v": 1})], [policy("a", {"v": 2}), policy("b", {})])

    assert (run.status, run.succeeded, run.failed) == (RunStatus.COMPLETED, 2, 0)
    assert run.bucket == stored_bucket(run) == "succeeded"


def test_a_run_that_found_no_drift_succeeded(tenant: Tenant) -> None:
    same = [policy("a", {"v": 1}), policy("b", {"v": 1})]

    run = generate(tenant, same, same)

    assert (run.succeeded, run.skipped, run.failed) == (0, 2, 0)
    assert run.bucket == stored_bucket(run) == "succeeded"


def test_a_run_where_some_policies_could_not_be_compared_partially_succeeded(
    tenant: Tenant, fragile_diff: None
) -> None:
    run = generate(
        tenant,
        [policy("a", {"fragile": True, "v": 1}), policy("b", {"v": 1})],
        [policy("a", {"fragile": True, "v": 2}), policy("b", {"v": 2})],
    )

    assert (run.status, run.succeeded, run.failed) == (RunStatus.COMPLETED, 1, 1)
    assert run.bucket == stored_bucket(run) == "partially_succeeded"


def test_a_run_where_no_changed_policy_could_be_compared_failed(
    tenant: Tenant, fragile_diff: None
) -> None:
    # Unchanged policies are skipped, not succeeded: they do not rescue the run.
    run = generate(
        tenant,
        [policy("a", {"fragile": True, "v": 1}), policy("b", {"v": 1})],
        [policy("a", {"fragile": True, "v": 2}), policy("b", {"v": 1})],
    )

    assert (run.status, run.succeeded, run.skipped, run.failed) == (RunStatus.COMPLETED, 0, 1, 1)
    assert run.bucket == stored_bucket(run) == "failed"


def test_a_run_whose_job_raised_failed(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    import drift.jobs

    def explode(*args: object) -> None:
        raise ConnectionError("database went away")

    monkeypatch.setattr(drift.jobs, "_compare", explode)

    run = generate(tenant, [policy("a", {"v": 1})], [policy("a", {"v": 2})])

    assert run.status == RunStatus.FAILED
    assert run.bucket == stored_bucket(run) == "failed"
    assert run.finished_at is not None


def test_a_queued_drift_run_is_queued_and_a_claimed_one_running(tenant: Tenant) -> None:
    run = OperationRun.objects.create(tenant=tenant, resource="drift", action="generate")
    assert run.bucket == stored_bucket(run) == "queued"

    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    run.refresh_from_db()

    assert run.bucket == stored_bucket(run) == "running"
