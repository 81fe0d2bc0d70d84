"""operations 0005_resanitize_failures: stored failure text loses the secrets of older sanitizers.

Rows are written raw (as an older sanitizer may have left them: the hostile
corpus's texts, secrets and support ids recorded), then the migration's own
RunPython function runs over them, with small batches so that the walk crosses
many batch boundaries.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from operations import resanitize
from operations.models import Notification, OperationRun, RunFailure, RunStatus
from tenantatlas.models import Tenant
from tests.support.leaks import rows_containing
from tests.support.secret_corpus import Case, cases

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("operations.migrations.0005_resanitize_failures")
CORPUS = list(cases())
CLEAN_REASON = "request-id: 0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0 GraphError: 404 Not Found"
COUNTS = "3 succeeded, 0 failed, 0 skipped of 3."


def _migrate() -> None:
    (operation,) = MIGRATION.Migration.operations
    with connection.schema_editor() as editor:
        operation.code(apps, editor)


def _old_rows(tenant: Tenant, user: User) -> list[tuple[Case, str, int]]:
    """One failed run per corpus case, its text stored raw everywhere failure text goes."""
    stored = []
    for index, case in enumerate(CORPUS):
        raw = case.text[:500]
        run = OperationRun.objects.create(
            tenant=tenant, resource="test", action="old", status=RunStatus.FAILED,
            failure_reason=raw, initiated_by=user,
        )  # fmt: skip
        RunFailure.objects.create(
            run=run, code=f"token={case.secrets[0]}"[:64], message=raw, item=case.text[:200]
        )
        Notification.objects.create(
            tenant=tenant, user=user, run=run, title=f"Old run {index} failed", body=raw
        )
        stored.append((case, raw, run.pk))
    return stored


def _texts() -> str:
    rows = [
        *OperationRun.objects.values("failure_reason"),
        *RunFailure.objects.values("code", "message", "item"),
        *Notification.objects.values("title", "body"),
    ]
    return json.dumps(rows, ensure_ascii=False)


def test_no_old_secret_survives_and_every_support_id_does(
    tenant: Tenant, operator: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = _old_rows(tenant, operator)
    secrets = sorted({s for case, raw, _ in stored for s in case.secrets if s in raw})
    assert len(secrets) >= 150 and all(s in _texts() for s in secrets)  # the check can see them
    monkeypatch.setattr(resanitize, "BATCH", 7)  # 160 rows: 23 batches a table

    _migrate()

    texts = _texts()
    assert [s for s in secrets if s in texts] == []
    assert rows_containing(secrets[:20]) == {}  # nor anywhere else in the database
    lost = []
    for case, raw, run_pk in stored:
        run = OperationRun.objects.get(pk=run_pk)
        kept = [run.failure_reason, run.failures.get().message, run.notifications.get().body]
        lost += [(case.kind, i) for i in case.ids if i in raw for text in kept if i not in text]
    assert lost == []


def test_clean_rows_are_left_alone_and_a_second_run_changes_nothing(
    tenant: Tenant, operator: User
) -> None:
    clean = OperationRun.objects.create(
        tenant=tenant, resource="test", action="clean", status=RunStatus.FAILED,
        failure_reason=CLEAN_REASON, initiated_by=operator,
    )  # fmt: skip
    ok = OperationRun.objects.create(
        tenant=tenant, resource="test", action="ok", status=RunStatus.COMPLETED
    )
    RunFailure.objects.create(run=clean, code="item_failed", message=CLEAN_REASON, item="p-1")
    Notification.objects.create(tenant=tenant, user=operator, run=ok, title="OK", body=COUNTS)
    _old_rows(tenant, operator)
    before = {
        "reason": CLEAN_REASON,
        "failure": ("item_failed", CLEAN_REASON, "p-1"),
        "body": COUNTS,
    }

    _migrate()
    after_first = _texts()
    clean.refresh_from_db()
    assert clean.failure_reason == before["reason"]
    assert (
        RunFailure.objects.filter(run=clean).values_list("code", "message", "item").get()
        == (before["failure"])
    )
    assert Notification.objects.get(run=ok).body == before["body"]

    models = {"failure": RunFailure, "run": OperationRun, "notification": Notification}
    with CaptureQueriesContext(connection) as queries:
        changed = resanitize.resanitize_all(**models, batch=50)
    assert changed == {"failure entries": 0, "run failure reasons": 0, "notification bodies": 0}
    assert _texts() == after_first
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    # Keyset batches: every read is an index range with a LIMIT, never an OFFSET.
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert reads and all("ORDER BY" in sql and "LIMIT 50" in sql for sql in reads)
    assert not [sql for sql in reads if "OFFSET" in sql]
