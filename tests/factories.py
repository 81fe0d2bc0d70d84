"""factory-boy factories. A child always lands in its parent's tenant.

Typing (``mypy --strict``): call ``XFactory.create(...)``, which is typed (it returns
the model, from ``DjangoModelFactory[Model]``); ``XFactory(...)`` is the same call, but
mypy sees a factory instance there. factory-boy's declarations (``Sequence``,
``SubFactory``, ``post_generation``…) carry no annotations: they are reached through
``declare``, typed ``Any``, the one place where they are used.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from operations import rollup
from operations.models import Notification, OperationRun, RunStatus
from tenantatlas.models import Membership, Role, Tenant

declare: Any = factory  # factory-boy's declarations are untyped: see the docstring


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = declare.Sequence(lambda n: f"tenant-{n}")
    name = declare.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    entra_tenant_id = declare.Faker("uuid4")


# Post-generation hooks are plain typed functions, wrapped in the class body (an untyped
# decorator would leave them unchecked).
def _save_user(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
    if create:
        obj.save()


def _count_run(obj: OperationRun, create: bool, extracted: Any, **kwargs: Any) -> None:
    # A run made here stands for one the lifecycle made: the rollup counts it.
    if create:
        rollup.add(obj)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = declare.Sequence(lambda n: f"user{n}")
    email = declare.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = declare.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    _save = declare.post_generation(_save_user)


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = declare.SubFactory(UserFactory)
    tenant = declare.SubFactory(TenantFactory)
    role = Role.READONLY


class OperationRunFactory(factory.django.DjangoModelFactory[OperationRun]):
    class Meta:
        model = OperationRun
        skip_postgeneration_save = True

    tenant = declare.SubFactory(TenantFactory)
    resource = "inventory"
    action = "sync"
    status = RunStatus.COMPLETED

    _counted = declare.post_generation(_count_run)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    tenant = declare.SubFactory(TenantFactory)
    user = declare.SubFactory(UserFactory)
    title = declare.Sequence(lambda n: f"Notification {n}")
