"""What the web entry point does before its first request (tenantatlas/startup.py).

In a fresh process, as gunicorn imports it: this test process's own heap and
garbage collector are left alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import gc, json
before = gc.get_freeze_count()
import tenantatlas.wsgi
from django.template import engines
from django.urls import get_resolver
cached = engines["django"].engine.template_loaders[0].get_template_cache
print(json.dumps({
    "frozen_before": before,
    "frozen": gc.get_freeze_count(),
    "resolver_built": get_resolver()._populated,
    "templates": sorted(cached),
}))
"""


def test_the_web_entry_point_builds_what_requests_need_then_freezes_the_heap() -> None:
    # DEBUG=1: plain static storage, so the entry point does not stop for a missing manifest.
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "tenantatlas.settings"}
    argv = [sys.executable, "-c", SCRIPT]
    out = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    seen = json.loads(out.strip().splitlines()[-1])

    assert seen["frozen_before"] == 0
    # Django, the resolver and the compiled templates: far more than the interpreter's own.
    assert seen["frozen"] > 50_000
    assert seen["resolver_built"] is True
    assert {"monitoring/run_list.html", "partials/bell.html", "base.html"} <= set(seen["templates"])
    assert not any(name.startswith("admin/") for name in seen["templates"])
