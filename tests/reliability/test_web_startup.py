"""DEBUG=0 without collected static files: the web server stops at start with one clear line."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from tests.support.webserver import WebServer


def test_gunicorn_without_collectstatic_stops_at_start_with_one_line(
    start_web: Callable[..., WebServer], tmp_path: Path
) -> None:
    empty = tmp_path / "never-collected"
    empty.mkdir()

    server = start_web(database_url="sqlite:///:memory:", STATIC_ROOT=str(empty), wait=False)
    returncode = server.proc.wait(timeout=60)

    output = server.output()
    ours = [line for line in output.splitlines() if line.startswith("TenantAtlas:")]
    assert returncode == 4  # gunicorn: "App failed to load", no respawning
    assert ours == [
        f"TenantAtlas: static files are not collected in STATIC_ROOT ({empty}); "
        "run `python manage.py collectstatic --no-input` before starting the web server."
    ]
    assert "Traceback" not in output
