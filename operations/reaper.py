"""The reaper: the recovery check in a process of its own (``manage.py run_reaper``).

It does no other work, so it never waits behind a busy or frozen worker, and
it outlives Redis and PostgreSQL outages: a connection error is logged once
when the outage begins and once when it ends, and the next pass is retried
with a growing pause, never an exit. Each pass that reached Redis refreshes a
liveness key with a TTL; ``/healthz`` turns red when it expires. Two reapers
at once are safe: every failure they write is a conditional UPDATE.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from redis import Redis
from redis.exceptions import RedisError

from operations.recovery import fail_runs_with_dead_jobs, fail_silent_runs

logger = logging.getLogger(__name__)

ALIVE_KEY = "tenantatlas:reaper:alive"
MAX_BACKOFF = 30.0  # seconds between passes while a dependency is down, at most


REDIS_TIMEOUT = 2.0  # seconds: a frozen Redis must not hold up the heartbeat check for long


def _redis() -> Redis:
    """The queue's Redis, with short socket timeouts (the web's 10 s would stall each pass)."""
    import django_rq

    pool = django_rq.get_connection("default").connection_pool
    kwargs = {**pool.connection_kwargs, "socket_timeout": REDIS_TIMEOUT}
    kwargs["socket_connect_timeout"] = REDIS_TIMEOUT
    return Redis(connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs))


def alive_ttl() -> int:
    """A reaper that misses three passes in a row is reported dead."""
    return max(int(settings.REAPER_INTERVAL * 3), 5)


def reaper_alive() -> bool:
    """For /healthz: has a reaper finished a pass within its TTL? False when Redis is down, too."""
    try:
        return bool(_redis().exists(ALIVE_KEY))
    except (RedisError, OSError):
        return False


@dataclass
class Reaper:
    interval: float = field(default_factory=lambda: float(settings.REAPER_INTERVAL))
    sleep: Callable[[float], None] = time.sleep
    down: set[str] = field(default_factory=set)  # "database", "redis": outages in progress
    passes: int = 0
    failed_passes: int = 0  # in a row
    # One client for the process: redis-py reconnects it after an outage.
    redis: Redis = field(default_factory=lambda: _redis())

    def run_forever(self, *, max_passes: int | None = None) -> None:
        while max_passes is None or self.passes < max_passes:
            self.failed_passes = 0 if self.run_pass() is not None else self.failed_passes + 1
            self.sleep(self.pause())

    def pause(self) -> float:
        """The interval; while the database is down, doubled per failed pass (at most 30 s)."""
        if "database" not in self.down:
            return self.interval  # the heartbeat check works without Redis: keep its pace
        return min(self.interval * float(2**self.failed_passes), max(MAX_BACKOFF, self.interval))

    def run_pass(self) -> int | None:
        """One check; how many runs it failed, or None if a dependency was unreachable."""
        self.passes += 1
        now = timezone.now()
        failed = self._guarded("database", lambda: fail_silent_runs(now=now))
        if failed is None:
            return None
        dead = self._guarded(
            "redis", lambda: fail_runs_with_dead_jobs(now=now, connection=self.redis)
        )
        if dead is None or self._guarded("redis", self._beat) is None:
            return None
        return failed + dead

    def _beat(self) -> int:
        self.redis.set(ALIVE_KEY, timezone.now().isoformat(), ex=alive_ttl())
        return 0

    def _guarded(self, name: str, step: Callable[[], int]) -> int | None:
        try:
            result = step()
        except DatabaseError as exc:
            self._outage("database", exc)
            connection.close()  # the next pass reconnects instead of reusing a dead socket
            return None
        except (RedisError, OSError) as exc:
            self._outage("redis", exc)
            return None
        self._recovered(name)
        return result

    def _outage(self, name: str, exc: BaseException) -> None:
        if name not in self.down:
            self.down.add(name)
            # The class name only: a driver's message can carry the host and user.
            logger.error(
                "reaper: %s unreachable (%s); retrying with backoff", name, type(exc).__name__
            )

    def _recovered(self, name: str) -> None:
        if name in self.down:
            self.down.discard(name)
            logger.warning("reaper: %s reachable again; recovery checks resume", name)
