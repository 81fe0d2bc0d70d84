"""Race a call against itself: ``at_once(n, call)`` runs it in n threads released together.

Each thread has its own database connection (Django's are per thread) and closes
it when done, so a transactional test leaves none open behind it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection


def at_once[T](n: int, call: Callable[[], T]) -> tuple[list[T], list[BaseException]]:
    """What the n calls returned and what they raised, in the order they finished."""
    barrier = threading.Barrier(n)
    results: list[T] = []
    errors: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:  # the test asserts on it; a thread would swallow it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=race) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
