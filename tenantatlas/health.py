"""What /healthz reports: one function per check, all run at once under one deadline.

A check passes when it returns anything but ``False`` without raising.
Each runs in its own thread with its own connection, so a dependency that is
silent (packets dropped, a frozen server) makes its check late, never the
answer: whatever has not finished by the deadline is reported unreachable,
and the abandoned thread ends on its own connect or answer timeout.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_all

from django.db import connections

logger = logging.getLogger(__name__)

# /healthz's contract is an answer within 2 s whatever is down; the checks get
# 1 s (a healthy one takes milliseconds) so a busy server keeps the rest.
DEADLINE_SECONDS = 1.0

Check = Callable[[], object]
CHECKS: dict[str, Check] = {}


def health_check(name: str) -> Callable[[Check], Check]:
    """Register a check under the name /healthz reports it by."""

    def register(check: Check) -> Check:
        CHECKS[name] = check
        return check

    return register


@health_check("database")
def database() -> None:
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()  # this thread's own connection; nothing else will close it


@health_check("redis")
def redis() -> None:
    import django_rq

    django_rq.get_connection("default").ping()


def _passes(name: str, check: Check) -> bool:
    try:
        passed = check() is not False
    except Exception:
        logger.warning("healthz: %s unreachable", name, exc_info=True)
        return False
    if not passed:
        logger.warning("healthz: %s unreachable", name)
    return passed


def run_checks(deadline: float = DEADLINE_SECONDS) -> dict[str, bool]:
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="healthz")
    futures: dict[str, Future[bool]] = {
        name: pool.submit(_passes, name, check) for name, check in CHECKS.items()
    }
    done, late = wait_all(futures.values(), timeout=deadline)
    pool.shutdown(wait=False)
    for name, future in futures.items():
        if future in late:
            logger.warning("healthz: %s did not answer within %s s", name, deadline)
    return {name: future in done and future.result() for name, future in futures.items()}
