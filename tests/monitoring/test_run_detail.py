"""One run: access, numbers, timing, context, failures, Related links, and live polling."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import tests.support.producers  # noqa: F401  (registers test.items for the live test)
from operations.lifecycle import run_start
from operations.models import OperationRun, RunFailure, RunStatus
from operations.registry import RunType, get_run_type, register
from tenantatlas.models import Tenant
from tests.factories import OperationRunFactory
from tests.support.matching import found

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import NoReturn

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant
    from tests.support.responses import TestResponse


def url(run: OperationRun, query: str = "") -> str:
    return f"/t/{run.tenant.slug}/monitoring/operations/{run.pk}/{query}"


@pytest.fixture
def run(tenant: Tenant, operator: User) -> OperationRun:
    now = timezone.now()
    return OperationRunFactory.create(
        tenant=tenant, resource="hubtest", action="alpha", initiated_by=operator,
        total=1000, succeeded=999, failed=1,
        created_at=now - timedelta(minutes=5), started_at=now - timedelta(minutes=4),
        finished_at=now - timedelta(seconds=30), heartbeat_at=now - timedelta(seconds=31),
        context={"target_id": 7, "note": "<b>bold</b>", "secret_token": "hunter2"},
    )  # fmt: skip


def test_anonymous_is_sent_to_sign_in(client: Client, run: OperationRun) -> None:
    assert client.get(url(run)).status_code == 302


def test_it_rejects_outsider(
    login: Callable[[User], Client], outsider: User, run: OperationRun
) -> None:
    assert login(outsider).get(url(run)).status_code == 403


def test_another_tenants_run_is_403_like_a_missing_one(
    login: Callable[[User], Client], reader: User, other_tenant: Tenant
) -> None:
    theirs = OperationRunFactory.create(tenant=other_tenant)
    client = login(reader)

    foreign = client.get(f"/t/acme/monitoring/operations/{theirs.pk}/")
    missing = client.get("/t/acme/monitoring/operations/999999/")
    polled = client.get(f"/t/acme/monitoring/operations/{theirs.pk}/?partial=progress")

    assert foreign.status_code == missing.status_code == polled.status_code == 403
    assert foreign.content == missing.content


def test_readonly_sees_the_run(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    response = login(reader).get(url(run))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Hub test alpha" in body and "<code>hubtest.alpha</code>" in body
    assert "Partially succeeded" in body
    assert "Completed" not in body  # one status word: the bucket, not "· status Completed"
    assert "started by operator" in body


def test_it_is_view_only(login: Callable[[User], Client], owner: User, run: OperationRun) -> None:
    assert login(owner).post(url(run)).status_code == 405


def test_a_finished_run_shows_its_outcome_not_a_percentage(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    body = login(reader).get(url(run)).content.decode()

    assert '<strong data-testid="percent">999 succeeded, 1 failed</strong>' in body
    assert '<rect class="ok" x="0" y="0" width="99.90"' in body
    assert '<rect class="bad" x="99.90" y="0" width="0.10"' in body


def test_it_shows_counts_and_timing(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    body = login(reader).get(url(run)).content.decode()

    assert 'data-count="total">1,000<' in body and 'data-count="failed">1<' in body
    assert "<th>Duration</th><td>3 min 30 s</td>" in body
    local = timezone.localtime(run.heartbeat_at, timezone.get_current_timezone())
    assert local.strftime("%Y-%m-%d %H:%M:%S") in body


def test_times_are_in_the_tenants_zone(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    run.tenant.time_zone = "Asia/Tokyo"
    run.tenant.save()

    body = login(reader).get(url(run)).content.decode()

    tokyo = run.created_at.astimezone(ZoneInfo("Asia/Tokyo"))
    assert tokyo.strftime("%Y-%m-%d %H:%M:%S") in body
    assert 'data-testid="time-zone">Asia/Tokyo<' in body


def test_context_shows_only_allowed_keys_escaped(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    body = login(reader).get(url(run)).content.decode()

    context = body.split('data-testid="context"')[1].split("</section>")[0]
    assert "<th>Target id</th>" in context and "<code>7</code>" in context
    assert "&lt;b&gt;bold&lt;/b&gt;" in context and "<b>bold</b>" not in body
    assert "secret_token" not in body and "hunter2" not in body


def test_related_links_come_from_the_run_type(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    beta = OperationRunFactory.create(tenant=run.tenant, resource="hubtest", action="beta")
    client = login(reader)

    alpha_body = client.get(url(run)).content.decode()
    beta_body = client.get(url(beta)).content.decode()

    assert '<a href="/t/acme/alpha/7/">Alpha target</a>' in alpha_body
    assert "Nothing linked to this run." in beta_body


def test_a_broken_related_link_does_not_break_the_page(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    def broken(run: OperationRun) -> NoReturn:
        raise LookupError("the producer's object is gone")

    register(RunType(key="hubtest.broken", label="Broken", perform=lambda r, c: None,
                     related=broken))  # fmt: skip
    run = OperationRunFactory.create(tenant=tenant, resource="hubtest", action="broken")

    response = login(reader).get(url(run))

    assert response.status_code == 200
    assert "Nothing linked to this run." in response.content.decode()


def test_an_unregistered_run_type_still_shows(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, resource="retired", action="thing")

    body = login(reader).get(url(run)).content.decode()

    assert "retired.thing" in body


def test_failures_are_sanitized_paginated_and_counted(
    login: Callable[[User], Client], reader: User, run: OperationRun
) -> None:
    RunFailure.objects.bulk_create(
        RunFailure(run=run, code="boom", message=f"failure {n}", item=f"item {n}")
        for n in range(120)
    )
    RunFailure.objects.create(
        run=run, code="leak", message="call failed: Authorization: Bearer eyJhbGciOi.eyJzdWIi.sig"
    )
    run.failures_dropped = 80
    run.save()
    client = login(reader)

    first = client.get(url(run)).content.decode()
    last = client.get(url(run, "?failures=3")).content.decode()
    junk = client.get(url(run, "?failures=abc"))

    assert "121 stored, 80 more not stored" in first
    assert "failure 0<" in first and "failure 50<" not in first
    assert "page 1 of 3" in first and "?failures=2" in first
    assert "failure 100<" in last and "eyJhbGciOi" not in last and "***" in last
    assert junk.status_code == 200


def test_the_failure_reason_is_shown(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(
        tenant=tenant, status=RunStatus.FAILED, failure_reason="Graph said no (403)."
    )

    body = login(reader).get(url(run)).content.decode()

    assert 'data-testid="failure-reason">Graph said no (403).<' in body


# -- live progress ---------------------------------------------------------------


def _progress(client: Client, run: OperationRun, htmx: bool = False) -> TestResponse:
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(url(run, "?partial=progress"), headers=headers)


def test_an_active_run_polls_its_own_partial(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING, total=10, succeeded=3)

    page = login(reader).get(url(run)).content.decode()

    section = found(r'<section id="run-progress"[^>]*>', page, group=0)
    assert f'hx-get="{url(run, "?partial=progress")}"' in section
    assert 'hx-trigger="every 2s"' in section and 'hx-swap="outerHTML"' in section


def test_the_partial_returns_updated_counts_and_stops_when_terminal(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING, total=10, succeeded=3)
    client = login(reader)

    running = _progress(client, run, htmx=True)
    OperationRun.objects.filter(pk=run.pk).update(succeeded=10)
    later = _progress(client, run, htmx=True)
    OperationRun.objects.filter(pk=run.pk).update(status=RunStatus.COMPLETED)
    done = _progress(client, run, htmx=True).content.decode()

    assert running.content.decode().lstrip().startswith('<section id="run-progress"')
    assert "<html" not in running.content.decode()
    assert 'data-count="succeeded">3<' in running.content.decode()
    assert 'data-testid="percent">30 %<' in running.content.decode()  # processed / total
    assert 'data-count="succeeded">10<' in later.content.decode()
    assert "hx-trigger" in later.content.decode() and "HX-Refresh" not in later
    assert "hx-trigger" not in done
    assert 'data-testid="percent">10 succeeded<' in done  # the outcome, not "100 %"
    # No reload: the last poll swaps in what the end added, out of band.
    assert 'id="run-related" data-testid="related" hx-swap-oob="true"' in done
    assert 'id="run-failures" data-testid="failures" hx-swap-oob="true"' in done


@pytest.mark.django_db(transaction=True)
def test_a_real_run_is_followed_from_queued_to_finished(
    login: Callable[[User], Client],
    reader: User,
    operator: User,
    tenant: Tenant,
    work_queue: Callable[[], int],
) -> None:
    run = run_start(
        tenant=tenant, run_type="test.items", initiated_by=operator,
        context={"items": 5, "fail": [1], "message": "password=hunter2 rejected"},
    ).run  # fmt: skip
    client = login(reader)

    queued = _progress(client, run).content.decode()
    assert work_queue() == 1
    finished = _progress(client, run).content.decode()
    page = client.get(url(run)).content.decode()

    assert 'data-status="queued"' in queued and "every 2s" in queued
    assert 'data-status="completed"' in finished and "hx-trigger" not in finished
    assert 'data-count="succeeded">4<' in finished and 'data-count="failed">1<' in finished
    assert "Partially succeeded" in finished
    assert "item 1" in page and "hunter2" not in page


PRODUCER_LINKS = [
    ("drift.generate", {"scope_key": "s"}, "Drift findings", "/t/acme/drift/"),
    ("backup_set.add_policies", {"backup_set_id": 12}, "Backup set", "/t/acme/backups/12/"),
    ("inventory.sync", {"snapshot_id": 34}, "Snapshot", "/t/acme/inventory/"),
]


@pytest.mark.parametrize(("run_type", "context", "label", "prefix"), PRODUCER_LINKS)
def test_each_producer_links_its_runs_objects(
    login: Callable[[User], Client],
    reader: User,
    tenant: Tenant,
    run_type: str,
    context: dict[str, Any],
    label: str,
    prefix: str,
) -> None:
    assert get_run_type(run_type) is not None, f"{run_type} must be registered by its producer"
    resource, action = run_type.split(".")
    run = OperationRunFactory.create(
        tenant=tenant, resource=resource, action=action, context=context
    )

    body = login(reader).get(url(run)).content.decode()

    related = body.split('data-testid="related"')[1].split("</section>")[0]
    link = re.search(r'<a href="([^"]+)">([^<]+)</a>', related)
    assert link and link.group(2) == label and link.group(1).startswith(prefix)


def test_the_poll_costs_four_queries_and_never_reads_the_bell(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING, total=10)
    client = login(reader)

    with CaptureQueriesContext(connection) as captured:
        response = _progress(client, run, htmx=True)

    # Session, user, membership, the run: the partial carries no bell, so the bell's
    # context values are never read (they are lazy), and the full page still has them.
    assert response.status_code == 200 and 'id="run-progress"' in response.content.decode()
    assert len(captured.captured_queries) == 4
    assert not any("operations_notification" in q["sql"] for q in captured.captured_queries)
    assert 'id="bell"' in client.get(url(run)).content.decode()


@pytest.mark.parametrize("stored", [0, 1, 120])
def test_the_page_counts_its_failures_with_the_run_in_six_queries(
    login: Callable[[User], Client], reader: User, tenant: Tenant, stored: int
) -> None:
    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED, failed=stored)
    RunFailure.objects.bulk_create(
        RunFailure(run=run, code="E", message=f"failure {n}") for n in range(stored)
    )
    client = login(reader)

    with CaptureQueriesContext(connection) as captured:
        body = client.get(url(run, "?failures=2")).content.decode()

    # Session, user, membership, the run with its stored-failure count, the bell,
    # one page of failures (none to read when none are stored): no COUNT of its
    # own, whatever the number stored.
    assert len(captured.captured_queries) == (6 if stored else 5)
    assert not any(q["sql"].startswith("SELECT COUNT(") for q in captured.captured_queries)
    assert f"{stored} stored" in body
    if stored == 120:
        assert "page 2 of 3" in body and "failure 50<" in body and "failure 49<" not in body


# The row as the template wrote it before it moved to Python (failure_row).
OLD_FAILURE_ROW = '{% load hub %}<tr><td class="small" data-label="When">{{ failure.created_at|date:"M j, H:i:s" }}</td><td data-label="Code"><code>{{ failure.code }}</code></td><td data-label="Item">{{ failure.item|sanitized|default:"—" }}</td><td data-label="Message">{{ failure.message|sanitized }}{% with support=failure.message|support_ids %}{% if support.asked %}<br><span class="small" data-testid="request-id">{% if support.ids %}Id to report: {% for name, value in support.ids %}{{ name }} <code>{{ value }}</code>{% if not forloop.last %}, {% endif %}{% endfor %}{% else %}Microsoft Graph returned no request id for this entry.{% endif %}</span>{% endif %}{% endwith %}</td></tr>'  # noqa: E501


@pytest.mark.parametrize(
    ("code", "item", "message"),
    [
        ("policy_not_found", "policy-1", "Policy 1 could not be read (request-id 1b2c-aa)."),
        ("<b>x</b>", "", 'Bad <script>alert("x")</script> & more'),
        ("throttled", None, "Too many requests. Hint: report the request id to Microsoft."),
        (
            "graph_error",
            "pol & <i>",
            "Failed (request-id: 0f-1, client-request-id: c.2) Hint: quote the request-id.",
        ),
    ],
)
def test_a_failure_row_is_the_markup_the_template_wrote(
    tenant: Tenant, code: str, item: str | None, message: str
) -> None:
    from django.template import Context, Template
    from django.utils import timezone as tz

    from monitoring.templatetags.hub import failure_row

    run = OperationRunFactory.create(tenant=tenant, status=RunStatus.COMPLETED)
    failure = RunFailure.objects.create(run=run, code=code, item=item or "", message=message)
    if item is None:
        failure.item = None  # type: ignore[assignment]  # what an older row may hold

    with tz.override(ZoneInfo("Pacific/Auckland")):
        old = Template(OLD_FAILURE_ROW).render(Context({"failure": failure}))
        new = str(failure_row(failure))

    assert new == old
    assert "<script>" not in new and "<b>x</b>" not in new
    # The hints asking for a request id are shown (with the ids, when the message kept some).
    assert ("Hint:" in message) == ('data-testid="request-id"' in new)
