"""The inventory pages: who may see and do what, filters, and the write-only secret."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from pytest_django.fixtures import Settings

from inventory import urls as inventory_urls
from inventory.connections import set_secret, source_for
from inventory.crypto import decrypt_secret
from inventory.jobs import RUN_TYPE
from inventory.models import ConnectionKind, InventorySync, TenantConnection
from inventory.sources.graph import GraphSource
from operations.lifecycle import run_inline
from operations.models import OperationRun
from tenantatlas.models import Tenant

pytestmark = pytest.mark.django_db

SECRET = "Zt5~abcDEF.ghiJKL_mnoPQR-stuVWX12"
CLIENT = "c0ffee00-1111-2222-3333-444455556666"
ENTRA = "7d3c1f0e-5a8b-4c2d-9e1f-0a1b2c3d4e5f"


def _url(name: str, **kwargs: object) -> str:
    return reverse(f"inventory:{name}", kwargs={"tenant_slug": "acme", **kwargs})


@pytest.fixture
def synced(tenant: Tenant) -> InventorySync:
    """One complete demo snapshot of acme (60 policies)."""
    run = run_inline(tenant=tenant, run_type=RUN_TYPE)
    return InventorySync.objects.get(run=run)


@pytest.fixture
def key(settings: Settings) -> str:
    settings.CREDENTIALS_KEY = Fernet.generate_key().decode()
    return str(settings.CREDENTIALS_KEY)


# --- access -----------------------------------------------------------------------------------


def _every_inventory_url(sync_id: int) -> list[str]:
    patterns = [p for p in inventory_urls.urlpatterns if isinstance(p, URLPattern)]
    assert {p.name for p in patterns} == {"index", "sync", "sync_detail", "connection"}
    return [
        _url(str(p.name), **({"sync_id": sync_id} if "sync_id" in str(p.pattern) else {}))
        for p in patterns
    ]


def test_it_rejects_outsider_on_every_inventory_url(
    synced: InventorySync, outsider: User, login: Callable[[User], Client]
) -> None:
    client = login(outsider)
    runs = OperationRun.objects.count()
    assert get_resolver().resolve("/t/acme/inventory/").namespace == "inventory"
    for url in _every_inventory_url(synced.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url).status_code == 403, url
    assert OperationRun.objects.count() == runs
    assert not TenantConnection.objects.filter(kind=ConnectionKind.GRAPH).exists()


def test_it_rejects_readonly_post_of_a_sync(
    tenant: Tenant, reader: User, login: Callable[[User], Client]
) -> None:
    response = login(reader).post(_url("sync"))

    assert response.status_code == 403
    assert not OperationRun.objects.exists()


def test_it_shows_readonly_the_sync_button_disabled_with_the_reason(
    synced: InventorySync, reader: User, login: Callable[[User], Client]
) -> None:
    response = login(reader).get(_url("index"))

    assert response.status_code == 200
    body = response.content.decode()
    assert '<button type="button" disabled aria-describedby="ro-sync">Sync now</button>' in body
    assert "Read-only role" in body and 'action="/t/acme/inventory/sync/"' not in body
    assert "Connection settings" not in response.content.decode()


def test_it_starts_a_sync_for_an_operator_and_redirects_to_the_run(
    tenant: Tenant,
    operator: User,
    login: Callable[[User], Client],
) -> None:
    client = login(operator)
    assert "Sync now" in client.get(_url("index")).content.decode()

    response = client.post(_url("sync"))

    run = OperationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/t/acme/monitoring/operations/{run.pk}/"
    assert run.initiated_by == operator


def test_a_sync_cannot_be_started_with_get(
    tenant: Tenant, operator: User, login: Callable[[User], Client]
) -> None:
    assert login(operator).get(_url("sync")).status_code == 405
    assert not OperationRun.objects.exists()


def test_it_rejects_another_tenants_sync_and_an_unknown_id_alike(
    synced: InventorySync,
    other_tenant: Tenant,
    owner: User,
    login: Callable[[User], Client],
) -> None:
    theirs = InventorySync.objects.get(run=run_inline(tenant=other_tenant, run_type=RUN_TYPE))
    client = login(owner)

    other = client.get(_url("sync_detail", sync_id=theirs.pk))
    unknown = client.get(_url("sync_detail", sync_id=999_999))

    assert other.status_code == unknown.status_code == 403
    assert other.content == unknown.content


@pytest.mark.parametrize("role", ["reader", "operator"])
def test_the_connection_page_is_for_owners_and_managers_only(
    tenant: Tenant, role: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
) -> None:
    client = login(request.getfixturevalue(role))

    assert client.get(_url("connection")).status_code == 403
    assert client.post(_url("connection"), {"kind": "graph"}).status_code == 403
    assert not TenantConnection.objects.exists()


@pytest.mark.parametrize("role", ["manager", "owner"])
def test_owners_and_managers_see_the_connection_page(
    tenant: Tenant, role: str, request: pytest.FixtureRequest, login: Callable[[User], Client]
) -> None:
    response = login(request.getfixturevalue(role)).get(_url("connection"))

    assert response.status_code == 200
    assert "No secret is set." in response.content.decode()
    assert not TenantConnection.objects.exists()  # looking creates nothing


# --- pages ------------------------------------------------------------------------------------


def test_the_index_shows_the_latest_snapshot_and_links_each_sync_to_its_run(
    synced: InventorySync,
    reader: User,
    login: Callable[[User], Client],
    django_assert_max_num_queries: Callable[[int], object],
) -> None:
    client = login(reader)
    # session, user, memberships, bell; latest per scope, latest, recent, connection,
    # platforms, count, page: never one per row.
    with django_assert_max_num_queries(12):  # type: ignore[attr-defined]
        response = client.get(_url("index"))

    page = response.content.decode()
    assert f'href="/t/acme/monitoring/operations/{synced.run_id}/"' in page
    assert f'href="/t/acme/inventory/syncs/{synced.pk}/"' in page
    assert "All policy types" in page
    assert "60 policies" in page
    assert "badge--succeeded" in page


def test_the_policy_list_filters_by_type_platform_and_search(
    synced: InventorySync, reader: User, login: Callable[[User], Client]
) -> None:
    client = login(reader)
    item = synced.items.select_related("policy").filter(policy_type="compliancePolicy").first()
    assert item is not None
    type_count = synced.items.filter(policy_type="compliancePolicy").count()
    platform_count = synced.items.filter(policy__platform=item.policy.platform).count()

    by_type = client.get(_url("index"), {"policy_type": "compliancePolicy"})
    by_platform = client.get(_url("index"), {"platform": item.policy.platform})
    by_name = client.get(_url("index"), {"q": item.display_name})

    assert by_type.context["page"].paginator.count == type_count < 60
    assert by_platform.context["page"].paginator.count == platform_count < 60
    assert item in by_name.context["page"].object_list


def test_a_bad_filter_or_page_gives_a_message_not_an_error(
    synced: InventorySync, reader: User, login: Callable[[User], Client]
) -> None:
    client = login(reader)

    bad_type = client.get(_url("index"), {"policy_type": "<script>", "page": "abc"})
    far_page = client.get(_url("sync_detail", sync_id=synced.pk), {"page": "9999"})

    assert bad_type.status_code == 200
    assert "Select a valid choice" in bad_type.content.decode()
    assert "<script>" not in bad_type.content.decode()
    assert far_page.status_code == 200
    assert far_page.context["page"].number == far_page.context["page"].paginator.num_pages


def test_the_sync_detail_lists_items_and_marks_masked_secrets(
    synced: InventorySync, reader: User, login: Callable[[User], Client]
) -> None:
    masked = synced.items.filter(has_masked_secrets=True).first()
    assert masked is not None  # the demo tenant has custom profiles with encrypted values

    response = login(reader).get(_url("sync_detail", sync_id=synced.pk), {"q": masked.display_name})

    page = response.content.decode()
    assert response.status_code == 200
    assert masked.display_name in page
    assert "masked (not compared)" in page
    assert "__masked_secret__" not in page


# --- the connection form ----------------------------------------------------------------------


def _graph_form(**extra: str) -> dict[str, str]:
    return {"kind": "graph", "entra_tenant_id": ENTRA, "client_id": CLIENT, "demo_size": "60",
            "demo_fail_every": "0", **extra}  # fmt: skip


def test_a_manager_stores_the_secret_encrypted_and_never_sees_it_again(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    client = login(manager)

    response = client.post(_url("connection"), _graph_form(client_secret=SECRET))

    assert response.status_code == 302
    connection = TenantConnection.objects.get(tenant=tenant)
    assert connection.kind == ConnectionKind.GRAPH
    assert SECRET not in connection.client_secret_encrypted
    assert decrypt_secret(connection.client_secret_encrypted) == SECRET
    tenant.refresh_from_db()
    assert tenant.entra_tenant_id == ENTRA
    page = client.get(_url("connection")).content.decode()
    assert "A secret is set (updated" in page
    assert SECRET not in page
    assert connection.client_secret_encrypted not in page


def test_saving_without_a_new_secret_keeps_the_stored_one(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    connection = TenantConnection(tenant=tenant, kind=ConnectionKind.GRAPH, client_id=CLIENT)
    set_secret(connection, SECRET)
    connection.save()

    response = login(manager).post(_url("connection"), _graph_form(client_secret=""))

    assert response.status_code == 302
    connection.refresh_from_db()
    assert decrypt_secret(connection.client_secret_encrypted) == SECRET


def test_the_stored_secret_can_be_removed(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    connection = TenantConnection(tenant=tenant, kind=ConnectionKind.GRAPH, client_id=CLIENT)
    set_secret(connection, SECRET)
    connection.save()

    form = {**_graph_form(), "kind": "demo", "clear_secret": "on"}
    response = login(manager).post(_url("connection"), form)

    assert response.status_code == 302
    connection.refresh_from_db()
    assert (connection.kind, connection.client_secret_encrypted) == (ConnectionKind.DEMO, "")


def test_a_rejected_form_does_not_echo_the_secret(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    response = login(manager).post(
        _url("connection"), _graph_form(client_id="not-a-guid", client_secret=SECRET)
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "The application (client) id is a GUID." in page
    assert SECRET not in page
    assert "No secret is set." in page
    assert not TenantConnection.objects.exists()


def test_graph_needs_a_client_id_and_a_secret(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    response = login(manager).post(_url("connection"), _graph_form(client_id=""))

    page = response.content.decode()
    assert "Microsoft Graph needs the application (client) id." in page
    assert "Microsoft Graph needs a client secret." in page
    assert not TenantConnection.objects.exists()


def test_without_an_encryption_key_the_secret_is_refused_with_a_clear_message(
    tenant: Tenant, manager: User, login: Callable[[User], Client], settings: Settings
) -> None:
    settings.CREDENTIALS_KEY = ""
    settings.DEBUG = False

    response = login(manager).post(_url("connection"), _graph_form(client_secret=SECRET))

    page = response.content.decode()
    assert response.status_code == 200
    assert "set CREDENTIALS_KEY in the environment" in page
    assert SECRET not in page
    assert not TenantConnection.objects.exists()


def test_the_connection_keeps_its_cloud_and_the_graph_source_follows_it(
    tenant: Tenant, manager: User, login: Callable[[User], Client], key: str
) -> None:
    client = login(manager)

    response = client.post(_url("connection"), _graph_form(client_secret=SECRET, cloud="china"))
    assert response.status_code == 302
    connection = TenantConnection.objects.get(tenant=tenant)
    assert connection.cloud == "china"
    assert "China, operated by 21Vianet" in client.get(_url("connection")).content.decode()
    # Omitted (an older form): the stored cloud stays.
    assert client.post(_url("connection"), _graph_form()).status_code == 302
    connection.refresh_from_db()
    assert connection.cloud == "china"
    tenant.refresh_from_db()
    source = source_for(connection, ("deviceConfiguration",))
    assert isinstance(source, GraphSource)
    assert "microsoftgraph.chinacloudapi.cn" in repr(source._urls.endpoints)
    assert client.post(_url("connection"), _graph_form(cloud="mars")).status_code == 200
