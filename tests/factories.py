"""factory-boy factories. A child always lands in its parent's tenant.

``XFactory.create(...)`` is typed (returns the model); ``XFactory(...)`` is the same
call, but mypy cannot see through factory-boy's metaclass.
"""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from operations import rollup
from operations.models import Notification, OperationRun, RunStatus
from tenantatlas.models import Membership, Role, Tenant


class TenantFactory(factory.django.DjangoModelFactory[Tenant]):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"tenant-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    entra_tenant_id = factory.Faker("uuid4")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Role.READONLY


class OperationRunFactory(factory.django.DjangoModelFactory[OperationRun]):
    class Meta:
        model = OperationRun
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    resource = "inventory"
    action = "sync"
    status = RunStatus.COMPLETED

    @factory.post_generation
    def _counted(obj, create, extracted, **kwargs) -> None:
        # A run made here stands for one the lifecycle made: the rollup counts it.
        if create:
            rollup.add(obj)


class NotificationFactory(factory.django.DjangoModelFactory[Notification]):
    class Meta:
        model = Notification

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Notification {n}")
