"""The hostile corpus (tests/support/secret_corpus.py) through the whole path.

Each case's text is logged, recorded as an item failure and raised by a real
job on a real forking RQ worker (its own process, configured by LOGGING, its
output captured). Afterwards no recorded secret is in the run row, its failure
entries, the notifications, the run page, the JSON API or the worker's log,
and every support id survives in the stored failure text.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from monitoring.links import run_url
from operations.lifecycle import run_start
from operations.models import Notification, OperationRun, RunFailure, RunStatus
from tenantatlas.models import Tenant
from tests.support.secret_corpus import Case, cases

ROOT = Path(__file__).resolve().parents[2]
CORPUS = list(cases())


def _worker_env() -> dict[str, str]:
    db = connection.settings_dict
    env = dict(os.environ)
    env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env["REDIS_URL"] = settings.REDIS_URL
    env["DJANGO_SETTINGS_MODULE"] = "tenantatlas.settings"
    env["LOG_LEVEL"] = "DEBUG"
    return env


# Two burst workers share the queue, as production's workers do: each job still forks
# its own horse, and the test waits for about half of the jobs' time instead of all.
WORKERS = 2


def _start_worker(log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, str(ROOT / "tests/support/worker.py"), "--burst"]
    with log.open("wb") as out:  # a file, not a pipe: nobody has to drain it meanwhile
        return subprocess.Popen(
            command, env=_worker_env(), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )


def _run_workers(logs: Path) -> str:
    """Run the queue dry with WORKERS burst workers at once; their logs, together."""
    paths = [logs / f"worker-{n}.log" for n in range(WORKERS)]
    workers = [_start_worker(path) for path in paths]
    for worker, path in zip(workers, paths, strict=True):
        assert worker.wait(timeout=600) == 0, path.read_text(errors="replace")[-2000:]
    return "".join(path.read_text(errors="replace") for path in paths)


def _shown(client: Client, run: OperationRun) -> list[str]:
    api = f"/api/v1/t/acme/runs/{run.pk}/"
    page, answer = client.get(run_url(run)), client.get(api)
    assert page.status_code == 200 and answer.status_code == 200
    return [page.content.decode(), answer.content.decode()]


def _stored(run: OperationRun) -> str:
    rows = [
        *OperationRun.objects.filter(pk=run.pk).values(),
        *RunFailure.objects.filter(run=run).values(),
        *Notification.objects.filter(run=run).values(),
    ]
    return json.dumps(rows, default=str, ensure_ascii=False)


def test_the_corpus_is_big_and_covers_every_class() -> None:
    assert len(CORPUS) >= 150
    assert len({case.kind for case in CORPUS}) >= 16
    assert all(case.secrets and case.ids for case in CORPUS)


@pytest.mark.django_db(transaction=True)
def test_no_corpus_secret_reaches_db_pages_api_or_worker_log_and_every_id_survives(
    tenant: Tenant, operator: User, login: object, tmp_path: Path
) -> None:
    import tests.support.producers  # noqa: F401 - registers test.leaky here too

    runs: list[tuple[Case, OperationRun]] = []
    for index, case in enumerate(CORPUS):
        context = {"corpus": index, "coded": index % 2 == 0}  # the job regenerates the text
        result = run_start(
            tenant=tenant, run_type="test.leaky", initiated_by=operator,
            context=context, dedupe_key=f"corpus-{index}",
        )  # fmt: skip
        runs.append((case, result.run))
    log = _run_workers(tmp_path)
    assert log.count("payload for") == len(CORPUS)  # the log was really captured

    client = login(operator)  # type: ignore[operator]
    leaks, lost = [], []
    for case, run in runs:
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED, case.kind
        texts = [_stored(run), *_shown(client, run)]
        leaks += [(case.kind, s) for s in case.secrets if any(s in text for text in texts)]
        entry = RunFailure.objects.get(run=run, code="item_failed").message
        lost += [(case.kind, i) for i in case.ids if i not in entry]
    leaks += [("worker log", s) for case in CORPUS for s in case.secrets if s in log]
    assert leaks == []
    assert lost == []
