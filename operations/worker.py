"""The RQ worker class every ``manage.py rqworker`` runs (settings ``RQ["WORKER_CLASS"]``).

RQ forks a fresh work horse for each job: whatever the parent did not load is
paid again in every job. Django builds its URL resolver on the first
``reverse()`` (≈ 116 ms here; a finished run's notification links to the run),
so the parent builds it, and imports the job modules, once before its first
fork. It opens no database connection: a horse must not share the parent's
socket.
"""

from __future__ import annotations

from typing import Any

from django.urls import get_resolver
from rq import Worker


def warm() -> None:
    """Load what every horse needs, in the process that forks them."""
    import operations.jobs  # noqa: F401 - the job, the lifecycle and the sanitizer's patterns

    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - building it is the point
    for _, namespace in resolver.namespace_dict.values():
        namespace.reverse_dict  # noqa: B018


class WarmWorker(Worker):
    def work(self, *args: Any, **kwargs: Any) -> bool:
        warm()
        return super().work(*args, **kwargs)
