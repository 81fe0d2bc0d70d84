"""The demo cast: tenants, people and roles; demo.seed's other modules add their history."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from tenantatlas.models import Membership, Role, Tenant

TENANTS = {
    "contoso": ("Contoso Ltd", "4f1c2d3e-0000-4000-8000-00000000c0de"),
    "fabrikam": ("Fabrikam Inc", "9a8b7c6d-0000-4000-8000-0000000fab01"),
}
PEOPLE = {
    "owner": [("contoso", Role.OWNER), ("fabrikam", Role.OWNER)],
    "operator": [("contoso", Role.OPERATOR)],
    "reader": [("contoso", Role.READONLY)],
}
# /admin/ and the queue dashboard have their own account: a tenant owner is
# not a superuser, or every tenant's data would be one mistake away.
STAFF_USERNAME = "admin"


@dataclass
class DemoCast:
    tenants: dict[str, Tenant] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


def seed_cast(password: str) -> DemoCast:
    cast = DemoCast()
    for slug, (name, entra_id) in TENANTS.items():
        cast.tenants[slug], _ = Tenant.objects.update_or_create(
            slug=slug, defaults={"name": name, "entra_tenant_id": entra_id}
        )
    for username, roles in PEOPLE.items():
        user, _ = get_user_model().objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        user.set_password(password)
        user.is_staff = user.is_superuser = False  # also demotes an older demo's owner
        user.save()
        cast.users[username] = user
        for slug, role in roles:
            Membership.objects.update_or_create(
                user=user, tenant=cast.tenants[slug], defaults={"role": role}
            )
    cast.users[STAFF_USERNAME] = seed_staff(password)
    return cast


def seed_staff(password: str) -> User:
    """The staff account for /admin/ and the django-rq dashboard; a member of no tenant."""
    staff, _ = get_user_model().objects.get_or_create(
        username=STAFF_USERNAME, defaults={"email": f"{STAFF_USERNAME}@example.com"}
    )
    staff.set_password(password)
    staff.is_staff = staff.is_superuser = True
    staff.save()
    return staff
