"""Real Redis and real RQ workers, for the tests that need them (a pytest plugin).

Every test marked ``redis`` gets its Redis database (settings.REDIS_URL: its own
number under pytest, one per xdist worker) flushed before and after it. The root
conftest marks every test that uses the database, because any of them may start
a run and so enqueue a job; pure tests (sanitizer, diff, normalisation) are left
unmarked and never connect, so they run with Redis down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import django_rq
import pytest
from redis import Redis
from rq import SimpleWorker


def empty_queue(name: str = "default") -> None:
    """Drop the queue's waiting jobs (typed: rq's ``Queue.empty`` carries no annotations)."""
    queue: Any = django_rq.get_queue(name)
    queue.empty()


@pytest.fixture(scope="session")
def _redis_reachable() -> None:
    """Stop the run with one clear line when Redis is down, not a wall of tracebacks."""
    try:
        django_rq.get_connection("default").ping()
    except Exception as exc:
        pytest.exit(f"Redis is unreachable ({exc}); start it or set REDIS_URL.", returncode=3)


@pytest.fixture
def redis_conn(_redis_reachable: None) -> Redis:
    return django_rq.get_connection("default")


@pytest.fixture
def clean_redis(redis_conn: Redis) -> Iterator[Redis]:
    """The test's Redis database, empty before the test and left empty after it."""
    redis_conn.flushdb()
    yield redis_conn
    redis_conn.flushdb()


@pytest.fixture(autouse=True)
def _clean_redis_when_marked(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("redis"):
        request.getfixturevalue("clean_redis")


@pytest.fixture
def work_queue(clean_redis: Redis) -> Callable[[], int]:
    """Run the default queue dry on a real, in-process RQ worker; returns jobs handled."""

    def work() -> int:
        queue = django_rq.get_queue("default")
        before = queue.count
        worker = SimpleWorker([queue], connection=queue.connection)
        worker.work(burst=True, with_scheduler=False)
        return before - queue.count

    return work
