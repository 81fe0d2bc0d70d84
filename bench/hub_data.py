"""The MSP-scale data set for bench/hub.py: runs in time order, tenants interleaved, COPY-loaded.

At ``scale=1``: 1,000 tenants with about 1,000 runs each plus one tenant
(``bh-big``) with about 200,000, so about 1.2M runs over 90 days. Every run type
and bucket; ~2 % still active; realistic counts; failure entries for runs that
failed items; contexts as the producers write them (a backup run's carries its
policy-id list, up to thousands of ids). Rows are generated newest-last with
ids ascending in time, each row's tenant drawn at random (weighted by size),
as production interleaves them. Notifications for the benchmark's reader in
the big tenant; one partially succeeded run there with 200 failure entries and
one running run (the live-progress poll). Finally the run rollup is rebuilt by
the real reconciliation (its time is reported) and every table ANALYZEd.
"""

from __future__ import annotations

import io
import json
import logging
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from operations.models import Notification, OperationRun, RunFailure
from tenantatlas.models import Membership, Role, Tenant

PREFIX = "bh-"
BIG = "bh-big"
READER = "bh-reader"
ADMIN = "bh-admin"
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway database; the bench uses force_login
DAYS = 90
TYPES = [
    ("inventory", "sync", 0.5),
    ("drift", "generate", 0.25),
    ("backup_set", "add_policies", 0.25),
]
# status, bucket-deciding counts; shares of all runs
OUTCOMES = [
    ("succeeded", 0.80),
    ("partially_succeeded", 0.08),
    ("failed_items", 0.05),  # completed, every item failed
    ("failed", 0.05),  # the run itself failed (reason)
    ("running", 0.013),
    ("queued", 0.007),
]
RUN_COLUMNS = (
    "id",
    "tenant_id",
    "resource",
    "action",
    "status",
    "total",
    "succeeded",
    "failed",
    "skipped",
    "failures_dropped",
    "failure_reason",
    "context",
    "dedupe_key",
    "initiated_by_id",
    "created_at",
    "started_at",
    "finished_at",
    "heartbeat_at",
)
# Where a row's values sit, by name (the tuple follows RUN_COLUMNS).
CREATED, FINISHED = RUN_COLUMNS.index("created_at"), RUN_COLUMNS.index("finished_at")
FAILURE_COLUMNS = ("run_id", "code", "message", "item", "created_at")
NOTIFICATION_COLUMNS = (
    "tenant_id",
    "user_id",
    "level",
    "title",
    "body",
    "link",
    "run_id",
    "read_at",
    "created_at",
)
REASON = (
    "Graph answered 403 Forbidden: the app registration lacks "
    "DeviceManagementConfiguration.Read.All."
)


@dataclass(frozen=True)
class Shape:
    small_tenants: int
    per_small: int
    big: int

    @classmethod
    def for_scale(cls, scale: float) -> Shape:
        return cls(max(1, round(1000 * scale)), 1000, max(100, round(200_000 * scale)))

    @classmethod
    def for_total(cls, total: int) -> Shape:
        """The growth set: ``total`` runs, nine in ten of them in the big tenant.

        Its big tenant must fill every measured page as the 1.2M set's does:
        the rarest filter (a run type × a bucket × 30 days) matches ~0.6 % of a
        tenant's runs, and a big tenant of the 1.2M set's proportions (~1,700
        runs) showed 10 rows there against 50, which flattered the growth ratio.
        """
        big = total * 9 // 10
        small_tenants = max(1, (total - big) // 500)
        return cls(small_tenants, (total - big) // small_tenants, big)

    @property
    def total(self) -> int:
        return self.small_tenants * self.per_small + self.big


@dataclass(frozen=True)
class Loaded:
    shape: Shape
    seconds: float
    reconcile_seconds: float
    runs: int
    failures: int
    notifications: int


def loaded_shape() -> Shape | None:
    row = Tenant.objects.filter(slug=BIG).values_list("name", flat=True).first()
    return Shape(*map(int, row.split("/")[1:])) if row and row.startswith("bench/") else None


def load(shape: Shape, *, seed: int = 15) -> Loaded:
    started = time.perf_counter()
    _purge()
    rng = random.Random(seed)
    # One transaction with the tenants: the big tenant's name records the
    # shape, so a load that fails half-way must not leave it behind as "kept".
    with transaction.atomic():
        big, smalls, users, reader = _cast(shape)
        tenants = [big, *smalls]
        weights = [shape.big] + [shape.per_small] * len(smalls)
        counts = _copy_all(rng, shape, tenants, weights, users, reader, big)
    reconcile_started = time.perf_counter()
    try:
        from operations import rollup
    except ImportError:  # measuring a tree from before the rollup
        pass
    else:
        logging.getLogger("operations.rollup").setLevel(logging.ERROR)  # every cell is "drift" here
        rollup.reconcile(tenants)
    reconcile_seconds = time.perf_counter() - reconcile_started
    with connection.cursor() as cursor:
        for model in (OperationRun, RunFailure, Notification):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        cursor.execute("ANALYZE")
    return Loaded(shape, time.perf_counter() - started, reconcile_seconds, *counts)


def _purge() -> None:
    """The bench database is the benchmarks' own: drop every earlier hub data set at once."""
    tables = [m._meta.db_table for m in (OperationRun, RunFailure, Notification)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    Tenant.objects.filter(slug__startswith=PREFIX).delete()
    User.objects.filter(username__startswith=PREFIX).delete()


def _cast(shape: Shape) -> tuple[Tenant, list[Tenant], list[User | None], User]:
    name = f"bench/{shape.small_tenants}/{shape.per_small}/{shape.big}"
    big = Tenant.objects.create(slug=BIG, name=name)
    smalls = Tenant.objects.bulk_create(
        Tenant(slug=f"{PREFIX}{n:04d}", name=f"Bench tenant {n}")
        for n in range(shape.small_tenants)
    )
    reader = User.objects.create_user(READER, password=PASSWORD)
    User.objects.create_superuser(ADMIN, password=PASSWORD)
    Membership.objects.create(user=reader, tenant=big, role=Role.READONLY)
    starters = User.objects.bulk_create(User(username=f"{PREFIX}user{n}") for n in range(19))
    return big, smalls, [reader, *starters, None, None, None, None, None], reader


def _copy_all(rng, shape, tenants, weights, users, reader, big) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [OperationRun._meta.db_table]
        )
        first_id = cursor.fetchone()[0]
    rows = _runs(rng, shape, tenants, weights, users, first_id, big)
    failures, notifications = io.StringIO(), io.StringIO()
    counts = [0, 0, 0]
    # A tree from before job_id was derived from the id stored it (for "before" figures).
    stored_job_id = any(f.name == "job_id" for f in OperationRun._meta.concrete_fields)
    columns: tuple[str, ...] = (*RUN_COLUMNS, "job_id") if stored_job_id else RUN_COLUMNS
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(_copy_sql(OperationRun, columns)) as copy:
            buffer = io.StringIO()
            for run in rows:
                values = (*run.values, f"run-{run.values[0]}") if stored_job_id else run.values
                buffer.write(_line(values))
                counts[1] += _failures(failures, run)
                counts[2] += _notices(notifications, run, reader, big)
                counts[0] += 1
                if buffer.tell() > 1 << 20:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
        extra: tuple[tuple[type[Model], tuple[str, ...], io.StringIO], ...] = (
            (RunFailure, FAILURE_COLUMNS, failures),
            (Notification, NOTIFICATION_COLUMNS, notifications),
        )
        for model, names, data in extra:
            with raw.copy(_copy_sql(model, names)) as copy:
                copy.write(data.getvalue())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
            [OperationRun._meta.db_table, first_id + counts[0]],
        )
    return counts[0], counts[1], counts[2]


def _copy_sql(model: type[Model], columns: tuple[str, ...]) -> str:
    return f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"


def _line(values: tuple[object, ...]) -> str:
    return "\t".join(r"\N" if v is None else str(v) for v in values) + "\n"


@dataclass
class Row:
    values: tuple[object, ...]
    outcome: str
    failed: int
    tenant_id: int
    user_id: int | None
    title: str


def _runs(rng, shape, tenants, weights, users, first_id, big) -> Iterator[Row]:  # type: ignore[no-untyped-def]
    now = timezone.now()
    span = DAYS * 86400
    total = shape.total
    type_weights = [w for *_, w in TYPES]
    outcome_names = [name for name, _ in OUTCOMES]
    outcome_weights = [w for _, w in OUTCOMES]
    picked = rng.choices(range(len(tenants)), weights=weights, k=total)
    # The newest two runs of the big tenant are the detail and poll targets.
    specials = [i for i in range(total - 1, -1, -1) if picked[i] == 0][:2]
    for i in range(total):
        tenant = tenants[picked[i]]
        created = now - timedelta(seconds=span * (1 - (i + rng.random()) / total))
        resource, action, _ = rng.choices(TYPES, weights=type_weights)[0]
        outcome = rng.choices(outcome_names, weights=outcome_weights)[0]
        if i == specials[0]:
            outcome = "detail"
        elif len(specials) > 1 and i == specials[1]:
            outcome = "running"
        user = rng.choice(users)
        yield _row(rng, first_id + i, tenant.pk, resource, action, outcome, user, created)


def _row(rng, pk, tenant_id, resource, action, outcome, user, created) -> Row:  # type: ignore[no-untyped-def]
    total = int(rng.lognormvariate(3.5, 1.2)) + 1
    succeeded = failed = skipped = 0
    status, reason = "completed", ""
    if outcome == "detail":
        total, failed, succeeded = 1000, 200, 800
    elif outcome in ("succeeded", "partially_succeeded", "failed_items"):
        failed = (
            0
            if outcome == "succeeded"
            else (total if outcome == "failed_items" else max(1, total // 10))
        )
        skipped = rng.randrange(total - failed + 1) // 4 if failed < total else 0
        succeeded = total - failed - skipped
        if outcome == "partially_succeeded" and succeeded == 0:
            total, succeeded, failed, skipped = total + 1, 1, failed, skipped
    elif outcome == "failed":
        status, reason = "failed", REASON
        succeeded = rng.randrange(total)
    else:
        status = outcome
        succeeded = rng.randrange(total) if outcome == "running" else 0
    started: datetime | None = (
        None if status == "queued" else created + timedelta(seconds=rng.uniform(0.05, 3))
    )
    finished = (
        started + timedelta(seconds=rng.uniform(1, 600))
        if started is not None and status in ("completed", "failed")
        else None
    )
    heartbeat = finished or started
    values = (
        pk,
        tenant_id,
        resource,
        action,
        status,
        total,
        succeeded,
        failed,
        skipped,
        0,
        reason,
        json.dumps(_context(rng, resource, pk)),
        f"bench-{pk}",
        user.pk if user else None,
        created.isoformat(),
        started.isoformat() if started else None,
        finished.isoformat() if finished else None,
        heartbeat.isoformat() if heartbeat else None,
    )
    return Row(
        values, outcome, failed, tenant_id, user.pk if user else None, f"{resource}.{action}"
    )


def _context(rng: random.Random, resource: str, pk: int) -> dict[str, object]:
    if resource == "inventory":
        return {
            "scope_key": "compliancePolicy,deviceConfiguration,settingsCatalog",
            "policy_types": ["compliancePolicy", "deviceConfiguration", "settingsCatalog"],
            "source": "graph",
            "snapshot_id": pk,
        }
    if resource == "drift":
        return {
            "scope_key": "compliancePolicy,deviceConfiguration,settingsCatalog",
            "baseline_sync_id": pk - 7,
            "current_sync_id": pk - 3,
        }
    count = rng.randrange(1000, 3000) if rng.random() < 0.01 else rng.randrange(1, 50)
    ids = sorted(rng.sample(range(1, 200_000), count))
    return {
        "backup_set_id": 1 + pk % 500,
        "policy_count": count,
        "policy_ids": ids,
        "capture_from": "snapshot",
    }


def _failures(out: io.StringIO, run: Row) -> int:
    if not run.failed:
        return 0
    pk, created = run.values[0], run.values[FINISHED] or run.values[CREATED]
    entries = 200 if run.outcome == "detail" else min(run.failed, 3)
    for n in range(entries):
        message = f"Policy {n} could not be read: Graph answered 404 (request-id 1b2c{n:04d}-aa)."
        out.write(_line((pk, "policy_not_found", message, f"policy-{n}", created)))
    return entries


def _notices(out: io.StringIO, run: Row, reader: User, big: Tenant) -> int:
    if run.user_id != reader.pk or run.tenant_id != big.pk:
        return 0
    pk, created = run.values[0], run.values[CREATED]
    link = f"/t/{big.slug}/monitoring/operations/{pk}/"
    # One notification per run (the notification_one_per_run constraint),
    # updated in place as the run moves: a finished run's says "finished".
    finished = run.values[FINISHED]
    kind, title = ("success", "finished") if finished else ("info", "queued")
    read_at = None if finished else created
    out.write(
        _line(
            (
                big.pk,
                reader.pk,
                kind,
                f"{run.title} {title}",
                "",
                link,
                pk,
                read_at,
                finished or created,
            )
        )
    )
    return 1


def newest_runs(tenant: Tenant) -> tuple[datetime, int]:
    return OperationRun.objects.filter(tenant=tenant).values_list("created_at", "pk").first()  # type: ignore[return-value]
