"""``manage.py sync_inventory <tenant-slug> [--wait]``: start an inventory sync (for cron)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from inventory.services import inventory_sync_start
from monitoring.links import run_url
from operations.models import OperationRun, StatusBucket
from tenantatlas.models import Tenant


class Command(BaseCommand):
    help = (
        "Start an inventory sync of a tenant (or reuse the one already running) and print "
        "its run id and hub address. A worker performs it; --wait waits for the outcome."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tenant_slug", help="the tenant's slug, as in /t/<slug>/")
        parser.add_argument(
            "--type",
            dest="policy_types",
            action="append",
            metavar="POLICY_TYPE",
            help="limit the scope to this policy type (repeatable; default: every type)",
        )
        parser.add_argument(
            "--wait", action="store_true", help="wait until the run ends; exit 1 if it failed"
        )
        parser.add_argument(
            "--timeout", type=float, default=3600.0, help="seconds --wait waits (default 3600)"
        )
        # Seconds between checks while waiting (tests make it short).
        parser.add_argument("--poll", type=float, default=2.0, help=argparse.SUPPRESS)

    def handle(self, *args: Any, tenant_slug: str, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=tenant_slug).first()
        if tenant is None:
            raise CommandError(f"No tenant with slug {tenant_slug!r}.")
        try:
            result = inventory_sync_start(
                tenant=tenant, user=None, policy_types=options["policy_types"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        run = result.run
        verb = "Started" if result.created else "Already running:"
        self.stdout.write(f"{verb} inventory sync run {run.pk}: {run_url(run)}")
        if options["wait"]:
            self._wait(run, timeout=options["timeout"], poll=options["poll"])

    def _wait(self, run: OperationRun, *, timeout: float, poll: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            run.refresh_from_db()
            if not run.is_active:
                break
            if time.monotonic() >= deadline:
                raise CommandError(f"Run {run.pk} is still {run.status} after {timeout:g} s.")
            time.sleep(poll)
        counts = f"{run.succeeded} succeeded, {run.failed} failed, {run.skipped} skipped"
        if run.bucket == StatusBucket.FAILED:
            raise CommandError(f"Run {run.pk} failed: {run.failure_reason or counts}")
        self.stdout.write(f"Run {run.pk} {run.bucket.label.lower()}: {counts}.")
