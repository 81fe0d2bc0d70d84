"""The inventory.sync run type: what the worker does for one sync, and what the hub shows of it.

A sync reads its tenant's policy source page by page. Each page costs a fixed
handful of queries whatever its size (one upsert of the policies, one read of
their ids, one bulk insert of the snapshot items), never one per policy. The
snapshot is complete only if every item was read: a sync that failed, was cut
short or lost an item is kept for people to look at, but never offered to drift.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypedDict

from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory import connections
from inventory.models import InventorySync, Policy, SnapshotItem, TenantConnection
from inventory.normalize import scope_key
from inventory.sources.base import (
    POLICY_TYPES,
    TAXONOMY,
    ItemError,
    PolicySource,
    SourcePolicy,
    check_policy_types,
)
from operations.errors import with_hint
from operations.models import OperationRun
from operations.recorder import RunRecorder
from operations.registry import RelatedLink
from tenantatlas.links import reverse_cached
from tenantatlas.models import Tenant

logger = logging.getLogger(__name__)

RUN_TYPE = "inventory.sync"


class InventorySyncContext(TypedDict, total=False):
    """An inventory.sync run's context: the start writes the scope, the job the rest."""

    scope_key: str
    policy_types: list[str]
    source: str  # the connection's kind: "demo" or "graph"
    waiting: str  # "waiting for Graph (retry in 7 s)" while throttled, else ""
    retries: int
    snapshot_id: int  # the InventorySync this run took


# The keys a person may see on the run's detail page (policy_types is the scope again).
CONTEXT_KEYS = ("scope_key", "source", "waiting", "retries", "snapshot_id")

Key = tuple[str, str]  # (policy_type, external_id): a policy's identity within a tenant


def related_links(run: OperationRun) -> list[RelatedLink]:
    """A sync run's Related link: the snapshot it took."""
    snapshot_id = run.context.get("snapshot_id")
    if not snapshot_id:
        return []
    url = reverse_cached("inventory:sync_detail", tenant_slug=run.tenant.slug, sync_id=snapshot_id)
    return [RelatedLink("Snapshot", url)]


@dataclass
class _Tally:
    """What this sync has seen so far: the items (for the total), the failed ones (a
    snapshot is complete only without any), the keys (to skip repeats). The run's
    counts live in the recorder; its status follows from them."""

    seen: int = 0
    failed: int = 0
    keys: set[Key] = field(default_factory=set)


class _WaitNotes:
    """The source's on_wait callback: tells the hub that we are waiting for Graph, and why."""

    def __init__(self, recorder: RunRecorder) -> None:
        self.recorder = recorder
        self.retries = 0
        self.waiting = False

    def __call__(self, seconds: float, /, *, still: bool = False) -> None:
        if not still:
            self.retries += 1
        self.waiting = True
        self.recorder.note(
            waiting=f"waiting for Graph (retry in {seconds:.0f} s)", retries=self.retries
        )
        self.recorder.heartbeat()

    def clear(self) -> None:
        if self.waiting:
            self.waiting = False
            self.recorder.note(waiting="")

    def clear_quietly(self) -> None:
        """Best effort on the failure path: never let it hide the error that got us here."""
        try:
            self.clear()
        except Exception:  # the caller re-raises the real error
            logger.warning(
                "could not clear the wait note of run %s", self.recorder.run.pk, exc_info=True
            )


def perform_sync(run: OperationRun, recorder: RunRecorder) -> None:
    """Take one snapshot of the run's tenant and scope (registered as inventory.sync's perform).

    A SourceError or ConnectionNotConfigured (RunErrors) fails the run with its
    code and hint; the failed run fails the snapshot (``on_failed``).
    """
    context: InventorySyncContext = run.context
    types = check_policy_types(tuple(context.get("policy_types") or POLICY_TYPES))
    connection = connections.connection_for(run.tenant)
    sync = InventorySync.objects.create(tenant=run.tenant, scope_key=scope_key(types), run=run)
    recorder.note(scope_key=sync.scope_key, source=connection.kind, snapshot_id=sync.pk)
    tally = _Tally()
    waits = _WaitNotes(recorder)
    try:
        _read(connection, types, sync, recorder, tally, waits)
    except BaseException:
        waits.clear_quietly()  # the hub must not go on saying "waiting" for a failed run
        raise
    connections.after_sync(connection)
    # Flushing first means the run is still ours (RunLost otherwise) when the
    # snapshot is declared complete.
    recorder.flush()
    _finish_sync(sync, tally)


def _read(
    connection: TenantConnection,
    types: tuple[str, ...],
    sync: InventorySync,
    recorder: RunRecorder,
    tally: _Tally,
    waits: _WaitNotes,
) -> None:
    with _opened(connections.source_for(connection, types)) as source:
        # A source that knows its size up front (the demo) lets the hub show
        # processed / total from the start; otherwise the total grows by page.
        expected = getattr(source, "expected_total", 0)
        if expected:
            recorder.set_total(expected)
        for page in source.pages(on_wait=waits):
            waits.clear()
            _store_page(sync, page, recorder, tally)
    waits.clear()  # a wait may have been followed by empty pages only


@contextmanager
def _opened(source: PolicySource) -> Iterator[PolicySource]:
    try:
        yield source
    finally:
        close = getattr(source, "close", None)  # GraphSource owns an HTTP client
        if close is not None:
            close()


def _store_page(
    sync: InventorySync, page: list[SourcePolicy | ItemError], recorder: RunRecorder, tally: _Tally
) -> None:
    # The page's items, the snapshot's item count and the run's counts commit
    # together: a worker killed at any point leaves them equal.
    with recorder.batch():
        tally.seen += len(page)
        if tally.seen > recorder.run.total:  # beyond what the source announced
            recorder.set_total(tally.seen)
        _store_entries(sync, page, recorder, tally)


def _store_entries(
    sync: InventorySync, page: list[SourcePolicy | ItemError], recorder: RunRecorder, tally: _Tally
) -> None:
    policies: list[SourcePolicy] = []
    for entry in page:
        if isinstance(entry, ItemError):
            _record_item_error(entry, recorder, tally)
        elif (entry.policy_type, entry.external_id) in tally.keys:
            # Graph can repeat an item across pages when the collection changes
            # under a $skiptoken; the first copy is already in the snapshot.
            recorder.skipped()
        else:
            tally.keys.add((entry.policy_type, entry.external_id))
            policies.append(entry)
    if policies:
        ids = _upsert_policies(sync.tenant, policies)
        SnapshotItem.objects.bulk_create(
            SnapshotItem.from_source(sync, ids[(p.policy_type, p.external_id)], p) for p in policies
        )
        InventorySync.objects.filter(pk=sync.pk).update(item_count=F("item_count") + len(policies))
        recorder.succeeded(len(policies))


def _record_item_error(error: ItemError, recorder: RunRecorder, tally: _Tally) -> None:
    tally.failed += 1
    name = error.display_name or error.external_id or "(unnamed policy)"
    recorder.failed(
        code=error.code,
        message=with_hint(error.message, TAXONOMY.get(error.code, "")),
        item=f"{name} ({error.policy_type})",
    )


def _upsert_policies(tenant: Tenant, policies: list[SourcePolicy]) -> dict[Key, int]:
    now = timezone.now()
    # One lock order for every writer: two syncs of overlapping scopes
    # upserting the same policies at once must not deadlock.
    ordered = sorted(policies, key=lambda p: (p.policy_type, p.external_id))
    Policy.objects.bulk_create(
        [
            Policy(
                tenant=tenant,
                policy_type=p.policy_type,
                external_id=p.external_id,
                display_name=p.stored_name,
                platform=p.platform[:64],
                first_seen_at=now,
                last_seen_at=now,
            )
            for p in ordered
        ],
        update_conflicts=True,
        unique_fields=["tenant", "policy_type", "external_id"],
        update_fields=["display_name", "platform", "last_seen_at"],
    )
    # Read the ids back rather than rely on RETURNING from an upsert, which
    # not every SQLite that runs the demo supports.
    rows = Policy.objects.for_tenant(tenant).filter(
        external_id__in={p.external_id for p in policies}
    )
    return {(t, e): pk for t, e, pk in rows.values_list("policy_type", "external_id", "pk")}


def on_failed(run: OperationRun) -> None:
    """The one place a snapshot fails: whenever its run fails (its own error, a timeout,
    a dead worker, or recovery after the snapshot was finished), it is incomplete.
    Its status is its run's (InventorySync.status)."""
    InventorySync.objects.filter(run=run).update(
        is_complete=False, finished_at=Coalesce(F("finished_at"), Value(timezone.now()))
    )


def _finish_sync(sync: InventorySync, tally: _Tally) -> None:
    InventorySync.objects.filter(pk=sync.pk).update(
        is_complete=tally.failed == 0, finished_at=timezone.now()
    )
