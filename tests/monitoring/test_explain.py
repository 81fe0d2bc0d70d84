"""The list's queries walk an OperationRun index for every filter combination (PostgreSQL).

The table gets 100,000 runs in three tenants (acme: 60,000 over 400 days), then
ANALYZE, so the planner chooses by real statistics, with ``enable_seqscan`` on.
We EXPLAIN the exact SQL the page ran (captured from the connection), for the
page of runs and for the stats query, and require a scan of a ``run_tenant_*``
index and no sequential scan of the run table (docs/hub.md shows the plans).
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from monitoring.keyset import Cursor
from operations.models import OperationRun
from tests.factories import TenantFactory

# EXPLAIN plans are PostgreSQL's; the suite always runs on PostgreSQL (make test).
assert connection.vendor == "postgresql"

URL = "/t/acme/monitoring/operations/"
RUN_TABLE = OperationRun._meta.db_table
# The composite indexes of operations/models.py (a plain or a bitmap index scan).
RUN_INDEX = re.compile(
    r"(Index (Only )?Scan (Backward )?using|Bitmap Index Scan on) run_tenant_\w+"
)

FILL = """
INSERT INTO operations_operationrun (tenant_id, resource, action, status, total, processed,
    succeeded, failed, skipped, failures_dropped, failure_reason, context, dedupe_key, job_id,
    attempt, created_at)
SELECT %(tenant)s,
       (ARRAY['inventory', 'drift', 'hubtest'])[1 + g %% 3],
       (ARRAY['sync', 'generate', 'alpha'])[1 + g %% 3],
       CASE WHEN g %% 50 = 0 THEN 'failed' WHEN g %% 997 = 0 THEN 'running' ELSE 'completed' END,
       10, 10, CASE WHEN g %% 13 = 0 THEN 0 ELSE 9 END, CASE WHEN g %% 7 = 0 THEN 1 ELSE 0 END,
       0, 0, '', '{}'::jsonb, 'k' || g, '', 1,
       %(now)s - (g * interval '1 second' * %(spread)s)
FROM generate_series(1, %(rows)s) AS g
"""


def _fill(tenant, rows, days):
    with connection.cursor() as cursor:
        cursor.execute(
            FILL, {"tenant": tenant.pk, "now": timezone.now(), "rows": rows,
                   "spread": days * 86400 / rows},
        )  # fmt: skip


@pytest.fixture
def big_table(tenant):
    _fill(tenant, 60_000, days=400)
    for slug in ("globex", "initech"):
        _fill(TenantFactory(slug=slug), 20_000, days=120)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RUN_TABLE}")


def _plan(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _run_queries(captured):
    runs = [q["sql"] for q in captured if f'FROM "{RUN_TABLE}"' in q["sql"]]
    page = [sql for sql in runs if "LIMIT 51" in sql]
    stats = [sql for sql in runs if "GROUP BY day, status_bucket" in sql]
    assert len(page) == 1 and len(stats) == 1, runs
    return page[0], stats[0]


FILTERS = {
    "run_type": [None, "hubtest.alpha"],
    "status_bucket": [None, "failed", "partially_succeeded"],
    "range": [None, "24h", "7d", "30d"],
    "custom": [False, True],
    "cursor": [False, True],
}


def test_every_filter_combination_uses_a_run_index(login, reader, tenant, big_table):
    client = login(reader)
    today = timezone.now().date()
    middle = OperationRun.objects.for_tenant(tenant).order_by("-created_at")[30_000]
    plans = {}

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

    for query, (page_plan, stats_plan) in plans.items():
        for plan in (page_plan, stats_plan):
            assert f"Seq Scan on {RUN_TABLE}" not in plan, f"{query}\n{plan}"
            assert RUN_INDEX.search(plan), f"{query}\n{plan}"
