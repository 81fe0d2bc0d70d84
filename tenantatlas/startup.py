"""Checks the web entry point makes before it serves anything."""

from __future__ import annotations

import sys

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

# gunicorn's exit code for "the application failed to load": it stops instead
# of respawning workers that would fail the same way.
APP_LOAD_ERROR = 4


def missing_static_files() -> str | None:
    """Why pages cannot render, when the hashed static files were never collected."""
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return None
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return None
    return (
        f"TenantAtlas: static files are not collected in STATIC_ROOT ({settings.STATIC_ROOT}); "
        "run `python manage.py collectstatic --no-input` before starting the web server."
    )


def refuse_to_serve_without_static_files() -> None:
    # Without the manifest every page would be a 500 (DEBUG=0): say why, once, and stop.
    problem = missing_static_files()
    if problem:
        print(problem, file=sys.stderr, flush=True)
        raise SystemExit(APP_LOAD_ERROR)
