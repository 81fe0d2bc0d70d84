"""`make run`'s database is SQLite: the pages people open and a sync on a real worker, there.

The suite runs on PostgreSQL, so SQL written by hand could break the demo
unnoticed (it did: the bell's ``= ANY(%s)`` made every tenant page a 500 on
SQLite). Here a fresh SQLite database is migrated and seeded as
``scripts/run-demo`` does, the main pages are requested through Django's
test client in a process of their own, a sync is started through its URL and
performed by a real forking worker (our RunWorker, burst mode), and the run's
outcome is read back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# The sync's job goes through this test's Redis database, flushed before and after.
pytestmark = pytest.mark.redis

PAGES = """
import json, sys
import django
django.setup()
from django.contrib.auth.models import User
from django.test import Client
from backups.models import BackupSet
from inventory.models import InventorySync
from operations.models import OperationRun

client = Client(SERVER_NAME="localhost")  # an allowed host outside the test runner
client.force_login(User.objects.get(username="operator"))
run = OperationRun.objects.filter(tenant__slug="contoso").order_by("pk").first()
backup_set = BackupSet.objects.filter(tenant__slug="contoso").first()
sync = InventorySync.objects.filter(tenant__slug="contoso").first()
base, api = "/t/contoso/", "/api/v1/t/contoso/"
htmx = {"HX-Request": "true"}
pages = [
    (base + "monitoring/operations/", {}),
    (base + "monitoring/operations/?status_bucket=failed&range=30d", {}),
    (base + "monitoring/operations/?partial=rows", htmx),
    (base + f"monitoring/operations/{run.pk}/", {}),
    (base + f"monitoring/operations/{run.pk}/?partial=progress", htmx),
    (base + "notifications/", {}), (base + "notifications/bell/", htmx),
    (base + "inventory/", {}), (base + "drift/", {}), (base + "drift/findings/", {}),
    (base + "backups/", {}),
    (base + f"backups/{backup_set.pk}/", {}), (base + f"inventory/syncs/{sync.pk}/", {}),
    (api + "runs/", {}), (api + f"runs/{run.pk}/", {}), ("/accounts/preferences/", {}),
]
statuses = {url: client.get(url, headers=headers).status_code for url, headers in pages}
started = client.post(base + "inventory/sync/")

# The rows the SQL written once loads on every request, against the ORM's.
from tenantatlas.auth import load_user
from tenantatlas.models import Membership, Tenant
from tenantatlas.tenancy import memberships_and_members
def values(instance):
    return {f.attname: str(getattr(instance, f.attname)) for f in instance._meta.concrete_fields}
operator = User.objects.get(username="operator")
rows = memberships_and_members(operator.pk, "contoso")
membership = next(m for m in rows if m.user_id == operator.pk)
same = {
    "user": values(load_user(operator.pk)) == values(operator),
    "membership": values(membership) == values(Membership.objects.get(pk=membership.pk)),
    "tenant": values(membership.tenant) == values(Tenant.objects.get(slug="contoso")),
}
print(json.dumps({"statuses": statuses, "start": started.status_code, "same": same}))
"""

OUTCOME = """
import json
import django
django.setup()
from operations.models import OperationRun
syncs = OperationRun.objects.filter(tenant__slug="contoso", resource="inventory")
run = syncs.order_by("-pk").first()
print(json.dumps({"status": run.status, "bucket": run.status_bucket, "total": run.total,
                  "succeeded": run.succeeded, "reason": run.failure_reason}))
"""


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tenantatlas.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DEBUG": "1",  # as scripts/run-demo: static files served as they are
        "DEMO_ENABLED": "1",
        "DEMO_SYNC_SECONDS": "0",
        "REDIS_URL": settings.REDIS_URL,
    }


def _run(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_the_demo_on_sqlite_serves_its_pages_and_runs_a_sync_on_a_real_worker(
    demo_env: dict[str, str],
) -> None:
    _run(demo_env, "manage.py", "migrate", "--no-input", "-v", "0")
    _run(demo_env, "manage.py", "seed_demo", "--password", "a-demo-password-1")

    seen = json.loads(_run(demo_env, "-c", PAGES).strip().splitlines()[-1])

    failing = {url: code for url, code in seen["statuses"].items() if code != 200}
    assert len(seen["statuses"]) == 16 and not failing, failing
    assert seen["start"] == 302
    # Aware datetimes and the rest, as the ORM reads them (SQLite hands the SQL text).
    assert seen["same"] == {"user": True, "membership": True, "tenant": True}
    _run(demo_env, "tests/support/worker.py", "--burst")
    outcome = json.loads(_run(demo_env, "-c", OUTCOME).strip().splitlines()[-1])
    assert (outcome["status"], outcome["bucket"]) == ("completed", "succeeded"), outcome
    assert outcome["total"] == outcome["succeeded"] > 0
