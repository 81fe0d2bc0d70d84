"""PostgreSQL with deadlines, and which deadlines this process uses.

Web requests get a short statement timeout (a page is never worth a long
query) and an answer deadline just above it, so a database that stops
answering costs a request seconds instead of a hang until gunicorn kills the
worker. Everything else (RQ workers, the recovery check, cron, management
commands, migrations) gets the longer background timeout: jobs legitimately
run bigger statements, but a statement stuck behind a lock or a silent server
still ends, with a named error, well before the job timeout.

The web entry point (``tenantatlas.wsgi``, used by gunicorn and runserver)
calls ``serve_web_requests()`` before it serves anything.
"""

from __future__ import annotations

from django.conf import settings

# A "SELECT 1" health check that gets no answer in this time means the server
# is gone; it must not cost the whole answer deadline before reconnecting.
HEALTH_CHECK_TIMEOUT = 2.0
# How much longer than the statement timeout the client waits for an answer:
# the server's own timeout error should normally arrive first.
ANSWER_MARGIN = 2.0

_serving_web = False


def serve_web_requests() -> None:
    """Use the web request timeouts for every database connection this process opens."""
    global _serving_web
    _serving_web = True


def statement_timeout() -> float:
    """Seconds a statement may run on this process's connections (0: no limit)."""
    if _serving_web:
        return float(settings.DB_STATEMENT_TIMEOUT)
    return float(settings.DB_BACKGROUND_STATEMENT_TIMEOUT)


def answer_timeout() -> float | None:
    """Seconds the client waits for any answer from the server (None: forever)."""
    timeout = statement_timeout()
    return timeout + ANSWER_MARGIN if timeout > 0 else None
