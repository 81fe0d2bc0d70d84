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
from tests.support.secret_corpus import corpus  # noqa: E402

if __name__ == "__main__":
    # Generated here, in the parent, once: every forked horse inherits it instead of
    # regenerating all of it for each test.leaky job.
    corpus()
    django_rq.get_worker("default").work(burst="--burst" in sys.argv, with_scheduler=False)
