"""What the web entry point does before it serves anything: checks, then settling the heap."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.template import engines
from django.template.loader import get_template
from django.urls import get_resolver

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


def settle() -> None:
    """Build what every request needs, then freeze the start-up heap out of the collector's way.

    A full garbage collection walks every object alive: after start-up that is
    about 120,000 of them (Django, the URL resolver, compiled templates), and
    walking them took ~60 ms here, charged to whichever request happened to
    allocate past the threshold (docs/performance.md, "Garbage collection").
    Frozen objects are never walked; the same collection then takes ~1 ms. The
    resolver and our own templates are built first so that they are frozen too,
    instead of being created by the first requests and walked from then on.
    """
    build_url_resolver()
    for name in _own_templates():
        get_template(name)
    gc.freeze()


def build_url_resolver() -> None:
    """Django builds its URL resolver on the first ``reverse()`` (≈ 116 ms here): build it
    now, in a process that serves (or forks) many, not in the first of them."""
    resolver = get_resolver()
    resolver.reverse_dict  # noqa: B018 - building it is the point
    for _, namespace in resolver.namespace_dict.values():
        namespace.reverse_dict  # noqa: B018


def _own_templates() -> list[str]:
    """The names of the project's templates (not Django admin's), as the loaders find them."""
    roots = [Path(path) for path in engines["django"].template_dirs if _is_ours(path)]
    return sorted(str(path.relative_to(root)) for root in roots for path in root.glob("**/*.html"))


def _is_ours(path: str | Path) -> bool:
    # Installed packages may live under BASE_DIR too (a project's .venv).
    resolved = Path(path).resolve()
    return resolved.is_relative_to(settings.BASE_DIR) and "site-packages" not in resolved.parts
