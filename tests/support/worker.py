"""A real, forking RQ worker in its own process, for crash tests.

python tests/support/worker.py [--burst]   (env: DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL)
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import django

django.setup()

import django_rq  # noqa: E402

import tests.support.producers  # noqa: E402, F401  (registers the test run types)

if __name__ == "__main__":
    django_rq.get_worker("default").work(burst="--burst" in sys.argv, with_scheduler=False)
