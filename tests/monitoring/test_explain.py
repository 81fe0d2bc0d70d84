"""The list's queries walk their index for every filter combination (PostgreSQL).

The table gets 150,000 runs in 103 tenants (acme: 60,000 over 400 days), the
rollup is counted from them (and ``rollup.reconcile`` finds it equal to its
recount), then ANALYZE, so the planner chooses by real statistics, with
``enable_seqscan`` on. We EXPLAIN the exact SQL the page ran
(captured from the connection): the page of runs must scan a ``run_tenant_*``
index in its order (no Sort of more than a few pages: never of a big window), the stats
query the rollup's key index (or, for "24h", a run index), and nothing may
scan either table sequentially (docs/hub.md shows the plans).
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.keyset import Cursor
from operations import rollup
from operations.models import OperationRun, RunDayCount
from tenantatlas.models import Tenant
from tests.factories import TenantFactory

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client


# EXPLAIN plans are PostgreSQL's; the suite always runs on PostgreSQL (make test).
assert connection.vendor == "postgresql"

URL = "/t/acme/monitoring/operations/"
RUN_TABLE = OperationRun._meta.db_table
ROLLUP_TABLE = RunDayCount._meta.db_table
# The composite indexes of operations/models.py (a plain or a bitmap index scan).
RUN_INDEX = re.compile(
    r"(Index (Only )?Scan (Backward )?using|Bitmap Index Scan on) run_tenant_\w+"
)
ROLLUP_INDEX = re.compile(
    r"(Index (Only )?Scan (Backward )?using|Bitmap Index Scan on) run_day_count_key"
)

FILL = """
INSERT INTO operations_operationrun (tenant_id, resource, action, status, total,
    succeeded, failed, skipped, failures_dropped, failure_reason, context, dedupe_key,
    created_at)
SELECT %(tenant)s,
       (ARRAY['inventory', 'drift', 'hubtest'])[1 + g %% 3],
       (ARRAY['sync', 'generate', 'alpha'])[1 + g %% 3],
       CASE WHEN g %% 50 = 0 THEN 'failed' WHEN g %% 997 = 0 THEN 'running' ELSE 'completed' END,
       10, CASE WHEN g %% 13 = 0 THEN 0 ELSE 9 END, CASE WHEN g %% 7 = 0 THEN 1 ELSE 0 END,
       0, 0, '', '{}'::jsonb, 'k' || g,
       %(now)s - (g * interval '1 second' * %(spread)s)
FROM generate_series(1, %(rows)s) AS g
"""


# The rollup of every run in one statement: 40,000 day cells that ``rollup.reconcile``
# would otherwise rewrite as model instances (seconds); it then checks them instead.
COUNT_DAYS = f"""
INSERT INTO {ROLLUP_TABLE} (tenant_id, day, resource, action, bucket, count)
SELECT run.tenant_id, (run.created_at AT TIME ZONE tenant.time_zone)::date,
       run.resource, run.action, run.status_bucket, count(*)
FROM {RUN_TABLE} AS run JOIN {Tenant._meta.db_table} AS tenant ON tenant.id = run.tenant_id
GROUP BY 1, 2, 3, 4, 5
"""  # noqa: S608 (table names from the models)


def _fill(tenant: Tenant, rows: int, days: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            FILL, {"tenant": tenant.pk, "now": timezone.now(), "rows": rows,
                   "spread": days * 86400 / rows},
        )  # fmt: skip


@pytest.fixture
def big_table(tenant: Tenant) -> None:
    _fill(tenant, 60_000, days=400)
    for slug in ("globex", "initech"):
        _fill(TenantFactory.create(slug=slug), 20_000, days=120)
    # An MSP's many small tenants: acme's days are a small share of the rollup, as in production.
    for n in range(100):
        _fill(TenantFactory.create(slug=f"small-{n}"), 500, days=90)
    with connection.cursor() as cursor:
        cursor.execute(COUNT_DAYS)
    assert rollup.reconcile() == []  # the same rollup as the lifecycle's and the recount's
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RUN_TABLE}")
        cursor.execute(f"ANALYZE {ROLLUP_TABLE}")


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


# The planner may sort a small window after joining the starter (a few pages of rows);
# a big window must come in index order, never sorted whole.
SORT_LIMIT = 4 * 51
SORT = re.compile(r"Sort  \(cost=[\d.]+ rows=(\d+)")


def _sorted_rows(plan: str) -> int:
    """The most rows any Sort node expects (0: the index gives the order)."""
    return max((int(rows) for rows in SORT.findall(plan)), default=0)


def _run_queries(captured: list[dict[str, str]]) -> tuple[str, str]:
    sqls = [q["sql"] for q in captured]
    page = [sql for sql in sqls if f'FROM "{RUN_TABLE}"' in sql and "LIMIT 51" in sql]
    stats = [sql for sql in sqls if f'FROM "{ROLLUP_TABLE}"' in sql or "GROUP BY" in sql]
    assert len(page) == 1 and len(stats) == 1, sqls
    return page[0], stats[0]


FILTERS: dict[str, list[str | bool | None]] = {
    "run_type": [None, "hubtest.alpha"],
    "status_bucket": [None, "failed", "partially_succeeded"],
    "range": [None, "24h", "7d", "30d"],
    "custom": [False, True],
    "cursor": [False, True],
}


def test_every_filter_combination_uses_a_run_index(
    login: Callable[[User], Client], reader: User, tenant: Tenant, big_table: None
) -> None:
    client = login(reader)
    today = timezone.now().date()
    middle = OperationRun.objects.for_tenant(tenant).order_by("-created_at")[30_000]
    plans: dict[str, tuple[str, str]] = {}

    for run_type, bucket, preset, custom, cursor in itertools.product(*FILTERS.values()):
        params = {"run_type": run_type, "status_bucket": bucket, "range": preset}
        if custom:
            params |= {"created_after": str(today - timedelta(days=90)),
                       "created_before": str(today - timedelta(days=5))}  # fmt: skip
        if cursor:
            params["cursor"] = Cursor.after(middle).encode()
        query = {key: value for key, value in params.items() if value}
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, query).status_code == 200
        page_sql, stats_sql = _run_queries(captured.captured_queries)
        plans[str(query)] = (_plan(page_sql), _plan(stats_sql))

    for shown, (page_plan, stats_plan) in plans.items():
        for plan in (page_plan, stats_plan):
            for table in (RUN_TABLE, ROLLUP_TABLE):
                assert f"Seq Scan on {table}" not in plan, f"{shown}\n{plan}"
        assert RUN_INDEX.search(page_plan) and _sorted_rows(page_plan) <= SORT_LIMIT, (
            f"{shown}\n{page_plan}"
        )
        index = RUN_INDEX if "24h" in shown else ROLLUP_INDEX
        assert index.search(stats_plan), f"{shown}\n{stats_plan}"
    assert len(plans) == 96
