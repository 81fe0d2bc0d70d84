"""Fixtures of the reliability tests (the web ones live in tests/support/webserver.py)."""

from tests.support.webserver import (  # noqa: F401  (fixtures)
    collected_static,
    pg_proxy,
    private_redis,
    start_web,
)
