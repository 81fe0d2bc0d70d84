"""``manage.py run_reaper``: fail runs that nothing will finish, in a process of its own."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from operations.reaper import Reaper

logger = logging.getLogger("operations.reaper")


class Command(BaseCommand):
    help = (
        "Run the recovery check every REAPER_INTERVAL seconds; survives Redis/PostgreSQL outages."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=None, help="seconds between passes")
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, interval: float | None, once: bool, **options: Any) -> None:
        reaper = Reaper(interval=interval or float(settings.REAPER_INTERVAL))
        signal.signal(signal.SIGTERM, _exit_quietly)
        logger.info("reaper: started, a pass every %s s", reaper.interval)
        if once:
            reaper.run_pass()
            return
        with contextlib.suppress(KeyboardInterrupt):
            reaper.run_forever()
        logger.info("reaper: stopped")


def _exit_quietly(signum: int, frame: FrameType | None) -> None:
    sys.exit(0)
