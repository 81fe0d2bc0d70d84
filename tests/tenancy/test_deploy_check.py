"""`manage.py check --deploy` with the README's production settings reports nothing."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(db: None) -> str:
    # The model checks ask the server's version (generated columns): give them one.
    server = connection.settings_dict
    host, port = server["HOST"] or "127.0.0.1", server["PORT"] or 5432
    return f"postgres://postgres@{host}:{port}/{server['NAME']}"


def readme_production_settings() -> dict[str, str]:
    readme = (REPO / "README.md").read_text()
    block = re.search(r"<!-- production-settings -->\n```sh\n(.*?)```", readme, re.S)
    assert block, "README.md lost its production-settings block"
    pairs = (line.split("=", 1) for line in block.group(1).splitlines() if "=" in line)
    return dict(pairs)


def check_deploy(settings: dict[str, str], database_url: str) -> subprocess.CompletedProcess[str]:
    test_only = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in test_only}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env={**env, **settings},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_readme_production_settings_pass_check_deploy(database_url: str) -> None:
    settings = readme_production_settings()
    settings["SECRET_KEY"] = secrets.token_urlsafe(50)  # the README's placeholder, filled in

    result = check_deploy(settings, database_url)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_them_check_deploy_names_what_is_missing(database_url: str) -> None:
    result = check_deploy({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50)}, database_url)

    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr
