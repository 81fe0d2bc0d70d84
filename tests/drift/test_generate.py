"""The drift.generate job: findings, counts, masked secrets, ordering, retries, queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from drift.diff import SettingChange
from drift.models import DriftFinding
from drift.services import SnapshotPair, perform_generate
from inventory.normalize import MASKED_SECRET
from inventory.sources.demo import DemoSource
from operations.models import OperationRun, RunStatus
from operations.recorder import RunRecorder
from operations.services import run_inline
from tenantatlas.models import Tenant
from tests.support.snapshots import ALL_TYPES, demo_snapshot, policy, store_snapshot

pytestmark = pytest.mark.django_db


def generate(tenant: Tenant, pair: SnapshotPair) -> OperationRun:
    return run_inline(tenant=tenant, run_type="drift.generate", context=pair.context)


def found(run: OperationRun) -> dict[str, set[tuple[str, str]]]:
    result: dict[str, set[tuple[str, str]]] = {"added": set(), "removed": set(), "modified": set()}
    for f in DriftFinding.objects.filter(run=run):
        result[f.change_type].add((f.policy_type, f.external_id))
    return result


def pair_of(tenant: Tenant, before: list[Any], after: list[Any]) -> SnapshotPair:
    return SnapshotPair(
        ALL_TYPES, baseline=store_snapshot(tenant, before), current=store_snapshot(tenant, after)
    )


def test_it_finds_what_the_demo_source_changed(tenant: Tenant, two_syncs: SnapshotPair) -> None:
    run = generate(tenant, two_syncs)

    expected = DemoSource.expected_changes("acme", 40, 0, 1)
    assert run.status == RunStatus.COMPLETED
    assert found(run) == expected
    changed = sum(len(keys) for keys in expected.values())
    assert (run.succeeded, run.failed) == (changed, 0)
    assert run.total == 40 + len(expected["added"])
    assert run.skipped == run.total - changed
    assert run.processed == run.total


def test_it_counts_the_union_of_both_snapshots_as_total(tenant: Tenant) -> None:
    pair = pair_of(
        tenant,
        [policy("a", {"x": 1}), policy("b", {"x": 1})],
        [policy("b", {"x": 1}), policy("c", {"x": 1})],
    )

    run = generate(tenant, pair)

    assert (run.total, run.succeeded, run.skipped) == (3, 2, 1)
    assert found(run) == {
        "added": {("deviceConfiguration", "c")},
        "removed": {("deviceConfiguration", "a")},
        "modified": set(),
    }


def test_it_stores_the_setting_changes_of_a_modified_policy(tenant: Tenant) -> None:
    pair = pair_of(
        tenant,
        [policy("a", {"passwordMinimumLength": 8, "apps": ["x"]}, name="Old name")],
        [policy("a", {"passwordMinimumLength": 12, "apps": ["x", "y"]}, name="New name")],
    )

    run = generate(tenant, pair)

    finding = DriftFinding.objects.get(run=run)
    assert (finding.change_type, finding.display_name, finding.tenant_id) == (
        "modified", "New name", tenant.pk,
    )  # fmt: skip
    assert finding.setting_changes == [
        SettingChange(("apps", 1), "added", None, "y"),
        SettingChange(("passwordMinimumLength",), "changed", 8, 12),
    ]


def test_added_and_removed_policies_carry_no_setting_changes(tenant: Tenant) -> None:
    pair = pair_of(tenant, [policy("a", {"x": 1})], [policy("b", {"x": 1})])

    run = generate(tenant, pair)

    assert [f.changes for f in DriftFinding.objects.filter(run=run)] == [[], []]


def test_a_policy_whose_only_difference_is_a_masked_secret_counts_as_unchanged(
    tenant: Tenant,
) -> None:
    pair = pair_of(
        tenant,
        [policy("a", {"wifiKey": MASKED_SECRET, "ssid": "corp"})],
        [policy("a", {"wifiKey": "plain-after-all", "ssid": "corp"})],
    )

    run = generate(tenant, pair)

    assert (run.succeeded, run.skipped, run.failed) == (0, 1, 0)
    assert not DriftFinding.objects.filter(run=run).exists()


def test_keys_sort_by_code_point_whatever_the_database_collation(tenant: Tenant) -> None:
    # A locale collation sorts "a" < "B" < "b"; Python sorts "B" < "a" < "b". A merge
    # join fed in locale order would report phantom added/removed pairs or fail.
    ids = ["b", "B", "a", "A", "_x", "é", "Z-1", "z-1", "ä", "0"]
    before = [policy(i, {"v": 1}) for i in ids]
    after = [policy(i, {"v": 2 if i in {"B", "é"} else 1}) for i in ids]

    run = generate(tenant, pair_of(tenant, before, after))

    assert run.status == RunStatus.COMPLETED and run.failed == 0
    assert found(run)["modified"] == {("deviceConfiguration", "B"), ("deviceConfiguration", "é")}
    assert not found(run)["added"] and not found(run)["removed"]


def test_policies_of_different_types_with_the_same_id_are_different_policies(
    tenant: Tenant,
) -> None:
    pair = pair_of(
        tenant,
        [policy("same", {"v": 1}, policy_type="compliancePolicy")],
        [policy("same", {"v": 1}, policy_type="settingsCatalog")],
    )

    run = generate(tenant, pair)

    assert found(run)["added"] == {("settingsCatalog", "same")}
    assert found(run)["removed"] == {("compliancePolicy", "same")}


def test_a_policy_that_cannot_be_compared_is_counted_failed_and_listed(
    tenant: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drift.diff
    import drift.services

    real = drift.diff.diff_settings

    def fragile(before: Any, after: Any) -> list[SettingChange]:
        if before.get("name") == "broken":
            raise RecursionError("maximum recursion depth exceeded while comparing {secret}")
        return real(before, after)

    monkeypatch.setattr(drift.services, "diff_settings", fragile)
    pair = pair_of(
        tenant,
        [policy("a", {"name": "broken", "v": 1}, name="Broken one"), policy("b", {"v": 1})],
        [policy("a", {"name": "broken", "v": 2}, name="Broken one"), policy("b", {"v": 2})],
    )

    run = generate(tenant, pair)

    assert run.status == RunStatus.COMPLETED
    assert run.bucket == "partially_succeeded"
    assert (run.succeeded, run.failed) == (1, 1)
    entry = run.failures.get()
    assert entry.code == "settings_not_comparable"
    assert "Broken one" in entry.item
    assert "RecursionError" in entry.message and "secret" not in entry.message


def test_a_retry_of_the_same_run_does_not_duplicate_findings(
    tenant: Tenant, two_syncs: SnapshotPair
) -> None:
    run = generate(tenant, two_syncs)
    first = DriftFinding.objects.filter(run=run).count()
    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    run.refresh_from_db()

    perform_generate(run, RunRecorder(run))

    assert DriftFinding.objects.filter(run=run).count() == first > 0


def test_a_run_whose_snapshot_vanished_fails_with_a_clear_reason(
    tenant: Tenant, two_syncs: SnapshotPair
) -> None:
    context = two_syncs.context
    two_syncs.baseline.delete()

    run = run_inline(tenant=tenant, run_type="drift.generate", context=context)

    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "snapshot_unavailable"
    assert "no longer exists" in run.failure_reason


def test_a_run_with_a_malformed_context_fails_cleanly(tenant: Tenant) -> None:
    run = run_inline(tenant=tenant, run_type="drift.generate", context={"scope_key": "x"})

    assert run.status == RunStatus.FAILED
    assert run.failures.get().code == "bad_context"


def test_it_reads_each_snapshot_in_one_query_whatever_its_size(tenant: Tenant) -> None:
    # Progress writes grow with the size (one per SKIP_REPORT_EVERY unchanged
    # policies); the reads do not. Both sizes here stay under one progress write.
    def queries(size: int) -> list[str]:
        policies = [policy(f"{size}-{n:04}", {"v": n}) for n in range(size)]
        pair = pair_of(tenant, policies, policies)
        with CaptureQueriesContext(connection) as ctx:
            generate(tenant, pair)
        return [q["sql"] for q in ctx.captured_queries]

    small, large = queries(100), queries(900)

    assert len(small) == len(large)
    # The union count and one streamed read per snapshot; no settings are loaded.
    assert len([sql for sql in large if "inventory_snapshotitem" in sql]) == 3


def test_demo_assignment_drift_is_found_in_words_and_reordering_is_not(tenant: Tenant) -> None:
    pair = SnapshotPair(
        ALL_TYPES,
        baseline=demo_snapshot(tenant, "acme", 0, size=200),
        current=demo_snapshot(tenant, "acme", 3, size=200),
    )

    run = generate(tenant, pair)

    assert found(run) == DemoSource.expected_changes("acme", 200, 0, 3)
    labels = [
        change.label
        for finding in DriftFinding.objects.filter(run=run, change_type="modified")
        for change in finding.setting_changes
        if change.area == "assignment"
    ]
    assert labels
    assert all(
        label.startswith(("added ", "removed ", "filter changed on ", "Assignment "))
        for label in labels
    )


def test_the_findings_page_names_changes_and_lists_assignment_changes_first(
    tenant: Tenant, reader: Any, login: Any
) -> None:
    target = {"@odata.type": "#microsoft.graph.exclusionGroupAssignmentTarget", "groupId": "g2",
              "groupDisplayName": "Pilot"}  # fmt: skip
    before = {"passwordMinimumLength": 8, "assignments": [{"target": target}]}
    after = {"passwordMinimumLength": 12, "assignments": []}
    run = generate(tenant, pair_of(tenant, [policy("a", before)], [policy("a", after)]))

    page = login(reader).get(f"/t/acme/drift/findings/?run={run.pk}").content.decode()

    assert "1 assignment change" in page
    removed, length = page.index("removed exclusion Pilot"), page.index("Password minimum length")
    assert removed < length
