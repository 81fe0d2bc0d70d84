"""The forking worker of bench/lifecycle.py: ``manage.py rqworker default`` plus the bench run type.

It uses django-rq's configured worker class (``RQ["WORKER_CLASS"]``), as the
production worker does.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tenantatlas.settings")

import django

django.setup()

import django_rq  # noqa: E402

import bench.lifecycle_types  # noqa: E402, F401  (registers bench.noop)

if __name__ == "__main__":
    django_rq.get_worker("default").work(burst=False, with_scheduler=False)
