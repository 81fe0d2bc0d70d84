"""The bell and the inbox: one's own notices only, "View run" links mark read, mark all read."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from monitoring.links import run_url
from operations.models import Notification, OperationRun, RunStatus
from tests.factories import NotificationFactory, OperationRunFactory
from tests.support.matching import found

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User
    from django.test import Client

    from tenantatlas.models import Tenant

INBOX = "/t/acme/notifications/"


def unread(body: str) -> str:
    return found(r'data-testid="unread-count">(\d+)<', body)


@pytest.fixture
def run(tenant: Tenant) -> OperationRun:
    return OperationRunFactory.create(tenant=tenant)


def note(
    user: User, tenant: Tenant, run: OperationRun | None = None, **kwargs: Any
) -> Notification:
    """One notification per person and run: each call without a run gets a run of its own."""
    run = run or OperationRunFactory.create(tenant=tenant)
    return NotificationFactory.create(user=user, tenant=tenant, run=run, **kwargs)


def test_it_rejects_outsider(
    login: Callable[[User], Client], outsider: User, reader: User, tenant: Tenant, run: OperationRun
) -> None:
    notification = note(reader, tenant, run)
    client = login(outsider)

    assert client.get(INBOX).status_code == 403
    assert client.post(INBOX + "read-all/").status_code == 403
    assert client.get(f"{INBOX}{notification.pk}/open/").status_code == 403
    notification.refresh_from_db()
    assert not notification.is_read


def test_anonymous_is_sent_to_sign_in(client: Client, tenant: Tenant) -> None:
    assert client.get(INBOX).status_code == 302


def test_the_bell_counts_my_unread_notifications_on_every_tenant_page(
    login: Callable[[User], Client],
    reader: User,
    owner: User,
    tenant: Tenant,
    other_tenant: Tenant,
    run: OperationRun,
) -> None:
    note(reader, tenant, run)
    note(reader, tenant)
    note(reader, tenant, read_at=run.created_at)
    note(owner, tenant, run)  # someone else's
    note(reader, other_tenant)  # another tenant's
    client = login(reader)

    for url in ["/t/acme/monitoring/operations/", run_url(run), INBOX]:
        assert unread(client.get(url).content.decode()) == "2", url


def test_nothing_unread_shows_no_badge_at_all(
    login: Callable[[User], Client], reader: User, tenant: Tenant, run: OperationRun
) -> None:
    note(reader, tenant, run, read_at=run.created_at)

    body = login(reader).get(INBOX).content.decode()

    assert 'data-testid="unread-count"' not in body  # no red "0"
    assert 'aria-label="Notifications"' in body


def test_the_bell_polls_only_while_a_run_i_was_told_of_is_active(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    active = OperationRunFactory.create(tenant=tenant, status=RunStatus.RUNNING)
    note(reader, tenant, active, read_at=active.created_at)
    client = login(reader)

    live = client.get("/t/acme/notifications/bell/").content.decode()
    OperationRun.objects.filter(pk=active.pk).update(status=RunStatus.COMPLETED)
    Notification.objects.filter(run=active).update(read_at=None)
    settled = client.get("/t/acme/notifications/bell/").content.decode()

    assert live.lstrip().startswith('<a class="bell" id="bell"') and 'hx-trigger="every 3s"' in live
    assert "hx-trigger" not in settled and 'data-testid="unread-count">1<' in settled


def test_the_inbox_lists_only_mine_newest_first_with_view_run_links(
    login: Callable[[User], Client],
    reader: User,
    owner: User,
    tenant: Tenant,
    other_tenant: Tenant,
    run: OperationRun,
) -> None:
    older = note(reader, tenant, run, title="Older")
    newer = note(reader, tenant, title="Newer")
    note(owner, tenant, run, title="Not yours")
    note(reader, other_tenant, title="Other tenant")

    body = login(reader).get(INBOX).content.decode()

    ids = [int(pk) for pk in re.findall(r'data-notification="(\d+)"', body)]
    assert ids == [newer.pk, older.pk]
    assert "Not yours" not in body and "Other tenant" not in body
    assert body.count("View run") == 2
    # A real link: it opens in a new tab and can be copied.
    assert f'href="/t/acme/notifications/{newer.pk}/open/">View run</a>' in body


def test_opening_one_marks_it_read_and_goes_to_its_run(
    login: Callable[[User], Client], reader: User, tenant: Tenant, run: OperationRun
) -> None:
    notification = note(reader, tenant, run)

    response = login(reader).get(f"{INBOX}{notification.pk}/open/")

    notification.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert notification.is_read


def test_opening_twice_keeps_the_first_read_time(
    login: Callable[[User], Client], reader: User, tenant: Tenant, run: OperationRun
) -> None:
    notification = note(reader, tenant, run)
    client = login(reader)
    client.get(f"{INBOX}{notification.pk}/open/")
    notification.refresh_from_db()
    first = notification.read_at

    client.get(f"{INBOX}{notification.pk}/open/")

    notification.refresh_from_db()
    assert notification.read_at == first


def test_opening_changes_nothing_but_by_get_or_head(
    login: Callable[[User], Client], reader: User, tenant: Tenant, run: OperationRun
) -> None:
    notification = note(reader, tenant, run)

    assert login(reader).post(f"{INBOX}{notification.pk}/open/").status_code == 405
    notification.refresh_from_db()
    assert not notification.is_read


def test_nobody_opens_someone_elses_notification(
    login: Callable[[User], Client],
    reader: User,
    owner: User,
    outsider: User,
    tenant: Tenant,
    other_tenant: Tenant,
    run: OperationRun,
) -> None:
    colleagues = note(owner, tenant, run)
    foreign = note(outsider, other_tenant)
    client = login(reader)

    assert client.get(f"{INBOX}{colleagues.pk}/open/").status_code == 403
    assert client.get(f"{INBOX}{foreign.pk}/open/").status_code == 403
    assert client.get(f"{INBOX}999999/open/").status_code == 403
    assert Notification.objects.unread().count() == 2


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""]
)
def test_a_link_off_the_site_lands_on_the_inbox(
    login: Callable[[User], Client], reader: User, tenant: Tenant, link: str
) -> None:
    notification = NotificationFactory.create(user=reader, tenant=tenant, link=link)

    response = login(reader).get(f"{INBOX}{notification.pk}/open/")

    assert response["Location"] == INBOX


def test_mark_all_read_marks_only_mine_in_this_tenant(
    login: Callable[[User], Client],
    reader: User,
    owner: User,
    tenant: Tenant,
    other_tenant: Tenant,
    run: OperationRun,
) -> None:
    mine = [note(reader, tenant) for _ in range(3)]
    theirs = note(owner, tenant, run)
    elsewhere = note(reader, other_tenant)

    response = login(reader).post(INBOX + "read-all/", follow=True)

    assert all(Notification.objects.get(pk=n.pk).is_read for n in mine)
    assert not Notification.objects.get(pk=theirs.pk).is_read
    assert not Notification.objects.get(pk=elsewhere.pk).is_read
    assert "Marked 3 notifications read." in response.content.decode()
    assert 'data-testid="unread-count"' not in response.content.decode()


def test_the_inbox_pages_with_a_cursor(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    for _ in range(55):
        NotificationFactory.create(user=reader, tenant=tenant)
    client = login(reader)

    first = client.get(INBOX).content.decode()
    next_url = found(r'href="([^"]+)" rel="next"', first).replace("&amp;", "&")
    second = client.get(INBOX + next_url).content.decode()

    assert first.count("data-notification=") == 50
    assert second.count("data-notification=") == 5


def test_a_malformed_inbox_cursor_is_a_clear_400(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    response = login(reader).get(INBOX + "?cursor=%%%")

    assert response.status_code == 400
    assert "This page link is malformed." in response.content.decode()


# The row as the template wrote it before it moved to Python (notification_rows).
OLD_NOTIFICATION_ROW = """<tr class="{% if not n.is_read %}unread{% endif %}" data-notification="{{ n.pk }}">
      <td class="small"><time datetime="{{ n.created_at|date:'c' }}">{{ n.created_at|date:"M j, H:i" }}</time></td>
      <td><span class="badge badge--{{ n.level }}">{{ n.get_level_display }}</span> {{ n.title }}{% if n.body %}<div class="small muted">{{ n.body }}</div>{% endif %}</td>
      <td>
        {% if n.run_id or n.link %}
        <a class="button secondary" href="{% url 'monitoring:notification_open' tenant_slug=slug notification_id=n.pk %}">View run</a>
        {% endif %}
      </td>
    </tr>"""  # noqa: E501


@pytest.mark.parametrize("with_run", [True, False])
@pytest.mark.parametrize("link", ["", "/t/acme/inventory/?a=1&b=<2>"])
@pytest.mark.parametrize("read", [True, False])
def test_an_inbox_row_is_the_markup_the_template_wrote(
    tenant: Tenant, reader: User, run: OperationRun, with_run: bool, link: str, read: bool
) -> None:
    from zoneinfo import ZoneInfo

    from django.template import Context, Template
    from django.utils import timezone

    from monitoring.presenters import notification_rows

    n = NotificationFactory.create(
        tenant=tenant, user=reader, run=run if with_run else None, link=link,
        title='Backup <b>"done"</b> & more', body="<i>body</i>" if read else "",
        read_at=timezone.now() if read else None,
    )  # fmt: skip
    zone = ZoneInfo("America/St_Johns")

    with timezone.override(zone):
        old = Template(OLD_NOTIFICATION_ROW).render(Context({"n": n, "slug": tenant.slug}))
    new = notification_rows([n], tenant, zone)

    assert [str(row) for row in new] == [old]
    assert "<b>" not in old and ("View run" in old) == bool(with_run or link)
