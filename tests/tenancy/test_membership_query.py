"""The middleware's one membership query: the person's memberships and the tenant's members.

It also feeds the hub's "Started by" choices (issue 15: no query of their own),
so it must stay an index lookup however many memberships an MSP piles up.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tenantatlas.models import Membership, Tenant
from tenantatlas.tenancy import memberships_and_members
from tests.factories import MembershipFactory, TenantFactory, UserFactory

URL = "/t/acme/monitoring/operations/"
MEMBERSHIP_TABLE = "tenantatlas_membership"

# 300 tenants × 70 people: 21,000 memberships that are neither the reader's nor acme's.
FILL = """
INSERT INTO tenantatlas_tenant (slug, name, entra_tenant_id, time_zone, created_at)
SELECT 'bulk-' || t, 'Bulk ' || t, '', 'UTC', now() FROM generate_series(1, 300) AS t;
INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
    is_staff, is_active, date_joined)
SELECT '!', false, 'bulk' || u, '', '', '', false, true, now() FROM generate_series(1, 700) AS u;
INSERT INTO tenantatlas_membership (user_id, tenant_id, role, created_at)
SELECT u.id, t.id, 'readonly', now()
FROM auth_user u JOIN tenantatlas_tenant t ON t.slug LIKE 'bulk-%'
WHERE u.username LIKE 'bulk%' AND (u.id + t.id) % 10 = 0;
ANALYZE tenantatlas_tenant; ANALYZE auth_user; ANALYZE tenantatlas_membership;
"""


def _membership_sql(client: Client) -> str:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return next(
        q["sql"] for q in captured.captured_queries if f'FROM "{MEMBERSHIP_TABLE}"' in q["sql"]
    )


def test_the_members_come_with_the_membership_query_through_indexes(
    login: Callable[[User], Client], reader: User, operator: User, tenant: Tenant
) -> None:
    elsewhere = TenantFactory.create(slug="elsewhere")
    MembershipFactory.create(user=UserFactory.create(username="stranger"), tenant=elsewhere)
    MembershipFactory.create(user=reader, tenant=elsewhere)
    with connection.cursor() as cursor:
        cursor.execute(FILL)
    client = login(reader)

    body = client.get(URL).content.decode()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + _membership_sql(client))
        plan = "\n".join(row[0] for row in cursor.fetchall())

    # The choices: acme's members only (the reader's other tenant's people are not listed).
    assert f'<option value="{operator.pk}">operator</option>' in body
    assert ">stranger</option>" not in body
    assert f"Seq Scan on {MEMBERSHIP_TABLE}" not in plan, plan
    assert "Bitmap Index Scan" in plan or "Index Scan" in plan, plan


def test_the_written_sql_loads_what_the_orm_loads(
    reader: User, operator: User, tenant: Tenant
) -> None:
    elsewhere = TenantFactory.create(slug="elsewhere", name="Elsewhere")
    MembershipFactory.create(user=reader, tenant=elsewhere)
    MembershipFactory.create(user=UserFactory.create(username="stranger"), tenant=elsewhere)

    rows = memberships_and_members(reader.pk, tenant.slug)
    orm = list(
        Membership.objects.filter(Q(user=reader) | Q(tenant=tenant))
        .select_related("tenant", "user")
        .order_by("tenant__name", "pk")
    )

    def fields(m: Membership) -> tuple[object, ...]:
        return (
            *(getattr(m, f.attname) for f in Membership._meta.concrete_fields),
            *(getattr(m.tenant, f.attname) for f in Tenant._meta.concrete_fields),
        )

    # Every column of the membership and its tenant, with each member's name; no stranger.
    assert sorted(map(fields, rows), key=repr) == sorted(map(fields, orm), key=repr)
    assert {m.member_name for m in rows} == {m.user.username for m in orm}  # type: ignore[attr-defined]
    assert "stranger" not in {m.member_name for m in rows}  # type: ignore[attr-defined]
    assert [m.tenant.name for m in rows] == sorted(m.tenant.name for m in rows)
