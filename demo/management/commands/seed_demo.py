from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.test.utils import override_settings

from demo.seed import seed_history
from demo.seed.cast import PEOPLE, STAFF_USERNAME, seed_cast


class Command(BaseCommand):
    help = "Create (or refresh) the demo tenants, people and history. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--password", required=True, help="password for every demo user")

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        # The history fails some runs on purpose; their log lines would read
        # like a start-up error in `make run`, so they are kept quiet here.
        lifecycle = logging.getLogger("operations.lifecycle")
        level = lifecycle.level
        lifecycle.setLevel(logging.ERROR)
        try:
            # History is history: its syncs run unpaced (DEMO_SYNC_SECONDS paces the
            # syncs people start), or `make run` would wait a paced sync per seeded one.
            with override_settings(DEMO_SYNC_SECONDS=0), transaction.atomic():
                cast = seed_cast(password)
                seeded = seed_history(cast)
        finally:
            lifecycle.setLevel(level)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  tenants: {', '.join(cast.tenants)}")
        self.stdout.write(f"  users:   {', '.join(PEOPLE)} (password: the one you gave)")
        self.stdout.write(
            f"  staff:   {STAFF_USERNAME} (/admin/ and the queue dashboard; no tenant)"
        )
        self.stdout.write(f"  apps:    {', '.join(seeded) or '-'}")
        self.stdout.write("  history: runs in every outcome, failed ones included on purpose")
