"""The demo stays out of the production path (issue 11, item 3).

With the demo off (production), no production module imports the demo app or
a package of the `demo` dependency group, a tenant without a connection is
"not connected" (never generated policies), and a sync start is refused
cleanly. In-process tests take the demo source out of inventory's registry,
which is what an installation without the demo app has; the import checks run
a fresh process with ``DEMO_ENABLED=0``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypedDict

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from demo.plug import DEMO_SOURCE
from inventory import source_registry
from inventory.connections import NOT_CONNECTED
from inventory.jobs import RUN_TYPE
from inventory.models import ConnectionKind, InventorySync, TenantConnection
from inventory.services import inventory_sync_start
from operations.models import OperationRun, RunFailure, RunStatus, StatusBucket
from tenantatlas.models import Tenant

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_APPS = ("tenantatlas", "operations", "inventory", "drift", "backups", "monitoring")


def _demo_group_modules() -> tuple[str, ...]:
    """The top-level modules of pyproject's `demo` dependency group (only `make run` has them)."""
    group = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]["demo"]
    names = (re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0] for requirement in group)
    return tuple(name.replace("-", "_").lower() for name in names)


DEMO_GROUP = _demo_group_modules()

# Import every module of every production app (management commands included,
# migrations not), then name whatever of the demo app or the demo group got imported.
IMPORT_EVERYTHING = f"""
import importlib, json, pkgutil, sys
import django
django.setup()
from django.apps import apps
from django.core.management import get_commands
for app in {PRODUCTION_APPS!r}:
    package = importlib.import_module(app)
    for info in pkgutil.walk_packages(package.__path__, app + "."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
import tenantatlas.urls, tenantatlas.wsgi, operations.worker
print(json.dumps({{
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in {("demo", *DEMO_GROUP)!r}),
    "apps": [config.name for config in apps.get_app_configs()],
    "seed_demo": "seed_demo" in get_commands(),
}}))
"""


class Seen(TypedDict):
    modules: list[str]  # modules of the demo app and the demo group that got imported
    apps: list[str]
    seed_demo: bool


def _import_everything(demo_enabled: str) -> Seen:
    env = {
        **os.environ,
        "DEMO_ENABLED": demo_enabled,
        "DJANGO_SETTINGS_MODULE": "tenantatlas.settings",
        # DEBUG only spares the WSGI module its collected-static-files check; the
        # demo's absence follows DEMO_ENABLED alone.
        "DEBUG": "1",
        "SECRET_KEY": "insecure-test-only-key",
    }
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: Seen = json.loads(done.stdout.strip().splitlines()[-1])
    return seen


def test_with_the_demo_off_no_production_module_imports_the_demo_or_its_group() -> None:
    assert DEMO_GROUP  # the group exists and names packages: the check below can see them
    seen = _import_everything("0")

    assert seen["modules"] == []
    assert "demo" not in seen["apps"]
    assert seen["seed_demo"] is False


def test_with_the_demo_on_the_same_check_sees_the_demo_app() -> None:
    # The check above can fail: the demo app, when installed, is imported at start-up.
    seen = _import_everything("1")

    assert "demo" in seen["apps"] and seen["seed_demo"] is True
    assert {"demo.apps", "demo.plug", "demo.source"} <= set(seen["modules"])
    # The demo group serves only `make run`'s embedded Redis fallback (scripts/), never the app.
    assert not any(m.split(".")[0] in DEMO_GROUP for m in seen["modules"])


def test_the_test_settings_enable_the_demo() -> None:
    assert settings.DEMO_ENABLED and "demo" in settings.INSTALLED_APPS
    assert source_registry.plugged(ConnectionKind.DEMO) is DEMO_SOURCE


# --- the demo off, in process: nothing plugged into inventory ---------------------------------


@pytest.fixture
def no_demo() -> Iterator[None]:
    """What production has: no demo source plugged into inventory."""
    removed = source_registry.unregister(ConnectionKind.DEMO)
    assert removed is not None
    try:
        yield
    finally:
        source_registry.register(removed)


def _inventory_url(name: str) -> str:
    return reverse(f"inventory:{name}", kwargs={"tenant_slug": "acme"})


@pytest.mark.django_db
def test_a_tenant_without_a_connection_is_told_it_is_not_connected(
    no_demo: None, tenant: Tenant, operator: User, login: Callable[[User], Client]
) -> None:
    body = login(operator).get(_inventory_url("index")).content.decode()

    assert NOT_CONNECTED in body
    assert "Demo source" not in body
    assert 'disabled aria-describedby="no-connection">Sync now</button>' in body
    assert 'action="/t/acme/inventory/sync/"' not in body
    assert not TenantConnection.objects.exists()  # reading the page creates nothing


@pytest.mark.django_db
def test_a_manager_is_pointed_to_the_connection_page_which_offers_graph_only(
    no_demo: None, tenant: Tenant, manager: User, login: Callable[[User], Client]
) -> None:
    client = login(manager)

    index = client.get(_inventory_url("index")).content.decode()
    page = client.get(_inventory_url("connection")).content.decode()

    assert NOT_CONNECTED in index and "Add a connection" in index
    assert 'value="graph"' in page and 'value="demo"' not in page
    assert "Demo source" not in page and 'name="demo_size"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_sync_start_without_a_connection_is_refused_before_any_run(
    no_demo: None,
    tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
    work_queue: Callable[[], int],
) -> None:
    client = login(operator)

    response = client.post(_inventory_url("sync"))

    assert response.status_code == 302
    assert response["Location"] == _inventory_url("index")
    assert NOT_CONNECTED in client.get(response["Location"]).content.decode()
    assert work_queue() == 0
    assert not OperationRun.objects.exists()
    assert not TenantConnection.objects.exists() and not InventorySync.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_sync_started_anyway_fails_at_once_as_not_connected(
    no_demo: None, tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    # A start that does not go through the page (manage.py sync_inventory, a script).
    run = inventory_sync_start(tenant=tenant, user=None).run

    assert work_queue() == 1

    run.refresh_from_db()
    assert (run.status, run.bucket) == (RunStatus.FAILED, StatusBucket.FAILED)
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "not_connected"
    assert failure.message.startswith(NOT_CONNECTED)
    assert not TenantConnection.objects.exists()
    assert not InventorySync.objects.exists()  # no empty snapshot either


@pytest.mark.django_db(transaction=True)
def test_the_sync_command_reports_the_failure_without_a_connection(
    no_demo: None, tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    call_command("sync_inventory", "acme", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert work_queue() == 1

    run = OperationRun.objects.of_type(RUN_TYPE).get()
    assert run.status == RunStatus.FAILED
    assert RunFailure.objects.get(run=run).code == "not_connected"


@pytest.mark.django_db(transaction=True)
def test_a_stored_demo_connection_is_not_read_or_advanced_with_the_demo_off(
    no_demo: None, tenant: Tenant, work_queue: Callable[[], int]
) -> None:
    # E.g. a trial's connection kept after the demo was switched off.
    TenantConnection.objects.create(tenant=tenant, kind=ConnectionKind.DEMO, demo_generation=3)

    run = inventory_sync_start(tenant=tenant, user=None).run
    work_queue()

    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.succeeded == 0
    failure = RunFailure.objects.get(run=run)
    assert failure.code == "not_configured"
    assert "not enabled on this installation" in failure.message
    assert TenantConnection.objects.get(tenant=tenant).demo_generation == 3


# --- the demo on: the plugged source gives new tenants the demo, as before --------------------


@pytest.mark.django_db(transaction=True)
def test_with_the_demo_on_a_new_tenant_syncs_the_demo_and_it_moves_on(
    tenant: Tenant, operator: User, login: Callable[[User], Client], work_queue: Callable[[], int]
) -> None:
    body = login(operator).get(_inventory_url("index")).content.decode()
    assert "Demo source (set up on the first sync)" in body and NOT_CONNECTED not in body

    run = inventory_sync_start(tenant=tenant, user=operator).run
    work_queue()

    run.refresh_from_db()
    assert run.bucket == StatusBucket.SUCCEEDED and run.succeeded == 60
    connection = TenantConnection.objects.get(tenant=tenant)
    assert (connection.kind, connection.demo_generation) == (ConnectionKind.DEMO, 1)
