"""The database deadlines of tenantatlas.db, on connections of their own (through PgProxy)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import psycopg
import pytest
from django.db import OperationalError, connection

import tenantatlas.db
from tenantatlas.db.base import DatabaseWrapper

if TYPE_CHECKING:
    from pytest_django import Settings

    from tests.support.pgproxy import PgProxy

pytestmark = pytest.mark.django_db


OpenConnection = Callable[..., DatabaseWrapper]  # open_connection(port=None): a new connection


@pytest.fixture
def web_role(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenantatlas.db, "_serving_web", True)


@pytest.fixture
def open_connection() -> Iterator[OpenConnection]:
    opened: list[DatabaseWrapper] = []

    def open_(port: int | None = None) -> DatabaseWrapper:
        params = {**connection.settings_dict}
        if port:
            params.update(HOST="127.0.0.1", PORT=port)
        wrapper = DatabaseWrapper(params, alias=f"deadline-{len(opened)}")
        opened.append(wrapper)
        return wrapper

    yield open_
    for wrapper in opened:
        wrapper.close()


def show_statement_timeout(wrapper: DatabaseWrapper) -> str:
    with wrapper.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        timeout: str = cursor.fetchone()[0]
        return timeout


def test_web_requests_get_the_short_statement_timeout(
    web_role: None, settings: Settings, open_connection: OpenConnection
) -> None:
    settings.DB_STATEMENT_TIMEOUT = 1
    wrapper = open_connection()

    started = time.monotonic()
    with pytest.raises(OperationalError, match="statement timeout"), wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(5)")

    assert show_statement_timeout(open_connection()) == "1s"
    assert time.monotonic() - started < 3


def test_workers_and_commands_get_the_background_timeout(
    settings: Settings, open_connection: OpenConnection
) -> None:
    settings.DB_STATEMENT_TIMEOUT = 1
    settings.DB_BACKGROUND_STATEMENT_TIMEOUT = 300

    assert show_statement_timeout(open_connection()) == "5min"


def test_a_silent_server_costs_a_query_its_answer_deadline_not_forever(
    web_role: None, settings: Settings, open_connection: OpenConnection, pg_proxy: PgProxy
) -> None:
    settings.DB_STATEMENT_TIMEOUT = 1  # answer deadline: 1 + 2 s
    wrapper = open_connection(pg_proxy.port)
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")

    pg_proxy.blackhole()
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError, match="no answer within 3 s"), wrapper.cursor() as c:
            c.execute("SELECT 1")
        seconds = time.monotonic() - started
    finally:
        pg_proxy.restore()

    assert 2.5 < seconds < 5
    assert wrapper.connection.closed  # a protocol stopped mid-message is never reused


def test_the_health_check_gives_up_on_a_silent_server_in_two_seconds(
    web_role: None, settings: Settings, open_connection: OpenConnection, pg_proxy: PgProxy
) -> None:
    settings.DB_STATEMENT_TIMEOUT = 10  # the answer deadline would be 12 s
    wrapper = open_connection(pg_proxy.port)
    wrapper.ensure_connection()

    pg_proxy.blackhole()
    try:
        started = time.monotonic()
        usable = wrapper.is_usable()
        seconds = time.monotonic() - started
    finally:
        pg_proxy.restore()

    assert usable is False
    assert seconds < 3
    assert wrapper.connection.answer_timeout == 12  # restored for the next connection's use


def test_the_time_zone_travels_in_the_startup_packet(open_connection: OpenConnection) -> None:
    # The server's own default here is "Etc/UTC"; Django wants "UTC" and would
    # otherwise spend a round trip on SET TIME ZONE on every new connection.
    wrapper = open_connection()
    params = wrapper.get_connection_params()
    raw = psycopg.connect(**params)
    try:
        assert raw.info.parameter_status("TimeZone") == wrapper.timezone_name == "UTC"
    finally:
        raw.close()
