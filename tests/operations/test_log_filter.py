"""The logging filter on every LOGGING handler: message, args, traceback sanitized; frames kept."""

from __future__ import annotations

import importlib.util
import io
import logging
import logging.config
import os
import pathlib
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import DatabaseError, connection

from operations.log_filter import SanitizingFilter
from operations.sanitize import describe_exception, redact_lines

SECRET = "Zt9xK2mQ7vN4pR8sW1yB6cH3"


def _logger(name: str) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(SanitizingFilter())
    logger = logging.getLogger(name)
    logger.handlers, logger.propagate = [handler], False
    return logger, stream


def test_every_logging_handler_has_the_filter() -> None:
    for name, handler in settings.LOGGING["handlers"].items():
        assert "sanitize" in handler.get("filters", []), name
    for name in ("rq", "rq.worker", "django_rq"):
        assert settings.LOGGING["loggers"][name]["propagate"] is True


def test_message_and_args_are_redacted() -> None:
    logger, stream = _logger("t.args")
    logger.warning("token request failed: client_secret=%s for %s", SECRET, "acme")
    assert SECRET not in stream.getvalue()
    assert "token request failed: client_secret=***" in stream.getvalue()


def test_a_traceback_keeps_its_frames_and_loses_the_values() -> None:
    logger, stream = _logger("t.tb")

    def connect(password: str) -> None:
        raise ConnectionError(f"login refused for password={password}")

    try:
        connect(SECRET)
    except ConnectionError:
        logger.exception("sync failed")
    text = stream.getvalue()
    assert SECRET not in text
    assert "Traceback (most recent call last):" in text
    assert "in connect" in text and "test_log_filter.py" in text
    assert "ConnectionError: login refused for password=***" in text


def test_filtering_twice_changes_nothing() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "key=%s", (SECRET,), None)
    SanitizingFilter().filter(record)
    once = record.getMessage()
    SanitizingFilter().filter(record)
    assert record.getMessage() == once == "key=***"


@pytest.mark.django_db
def test_a_postgresql_error_never_becomes_failure_text() -> None:
    with pytest.raises(DatabaseError) as caught, connection.cursor() as cursor:
        cursor.execute("SELECT %s::int", [f"not-a-number {SECRET}"])
    text = describe_exception(caught.value)
    assert SECRET not in text and "SELECT" not in text and "not-a-number" not in text
    assert text.startswith(type(caught.value).__name__)


def test_an_untaxonomized_exception_gives_its_class_and_one_sanitized_line() -> None:
    exc = ValueError(f"bad value password={SECRET}\nCONTEXT: row 7 holds secret data")
    assert describe_exception(exc) == "ValueError: bad value password=***"


def test_a_taxonomy_error_keeps_its_written_message() -> None:
    class GraphError(Exception):
        code = "unauthorized"

    exc = GraphError("401 InvalidAuthenticationToken: Access token has expired.")
    assert describe_exception(exc) == "401 InvalidAuthenticationToken: Access token has expired."


def _python(script: str) -> str:
    """Run ``script`` in a fresh process configured by our settings (DEBUG on); its output."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tenantatlas.settings",
        "DEBUG": "1",
        "LOG_LEVEL": "INFO",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django, logging; django.setup()\n" + script],
        env=env, capture_output=True, text=True, timeout=120, check=True, cwd=settings.BASE_DIR,
    )  # fmt: skip
    return done.stdout + done.stderr


def test_no_logger_has_a_handler_without_the_filter_after_rq_sets_up_its_own() -> None:
    # Imports what rqworker and rqcron import, then RQ's own set-up for each of its
    # loggers, as those commands and RQ's classes call it.
    output = _python(
        "import django_rq.management.commands.rqworker, django_rq.management.commands.rqcron\n"
        "from rq.logutils import setup_loghandlers\n"
        "from operations.log_filter import SanitizingFilter\n"
        "for name in ('rq.worker', 'rq.cron', 'rq.scheduler', 'rq.worker_pool'):\n"
        "    setup_loghandlers('DEBUG', name=name)\n"
        "loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]\n"
        "for logger in loggers:\n"
        "    for h in getattr(logger, 'handlers', []):\n"
        "        if not isinstance(h, logging.NullHandler) and not any(\n"
        "            isinstance(f, SanitizingFilter) for f in h.filters):\n"
        "            print('UNFILTERED', logger.name, h)\n"
        "print('checked', len(loggers))\n"
    )
    assert "checked" in output
    assert "UNFILTERED" not in output, output


def test_djangos_own_loggers_go_through_the_filter_in_a_real_process() -> None:
    # Django's defaults give "django" a console (DEBUG only) and "django.server"
    # (runserver's request lines) handlers of their own, configured before LOGGING.
    output = _python(
        f"logging.getLogger('django.server').warning('GET /cb?code=%s HTTP/1.1', '{SECRET}')\n"
        f"logging.getLogger('django.request').error('failed: password=%s', '{SECRET}')\n"
    )
    assert "GET /cb?code=*** HTTP/1.1" in output and "failed: password=***" in output
    assert SECRET not in output
    assert output.count("failed: password=***") == 1  # once, not again by a second handler


@pytest.mark.parametrize(
    "directory", ["/tmp/tmp.DX5OlVfdSp", "/tmp/tmp.1mGRwFJaMq", "/srv/app", "C:/build/x9Kq2"]
)
def test_a_frame_keeps_its_file_wherever_the_code_lives(directory: str) -> None:
    # A checkout in a random temporary directory once read as a 40-character token.
    frame = f'  File "{directory}/tests/operations/test_log_filter.py", line 52, in connect'
    assert redact_lines(frame) == frame


def test_a_frame_line_still_loses_a_secret_after_its_path() -> None:
    frame = f'  File "/srv/app/jobs.py", line 7, in connect password={SECRET}'
    out = redact_lines(frame)
    assert SECRET not in out
    assert out.startswith('  File "/srv/app/jobs.py", line 7, in connect')


def test_a_real_traceback_from_code_in_a_random_directory_keeps_its_frames(
    tmp_path: pathlib.Path,
) -> None:
    # Python's own traceback, of a module in a directory like a fresh clone's
    # (mktemp), not a frame line written by hand.
    home = tmp_path / "tmp.DX5OlVfdSp" / "tests" / "operations"
    home.mkdir(parents=True)
    module_file = home / "random_home_job.py"
    module_file.write_text(
        "def connect(password):\n"
        "    raise ConnectionError(f'login refused for password={password}')\n"
    )
    spec = importlib.util.spec_from_file_location("random_home_job", module_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    logger, stream = _logger("t.random_home")

    try:
        module.connect(SECRET)
    except ConnectionError:
        logger.exception("sync failed")

    text = stream.getvalue()
    assert SECRET not in text
    assert f'File "{module_file}", line 2, in connect' in text
