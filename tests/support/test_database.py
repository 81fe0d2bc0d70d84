"""The flush between transactional tests (tests/support/database.py) leaves the state Django's does.

Django's flush empties every table and then emits post_migrate, whose handlers
write the content types and permissions back. Ours keeps those two tables while
they are as migrate left them and skips the signal; once a test changed them,
it empties them and emits it as Django does.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models.signals import post_migrate

from tenantatlas.models import Tenant
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _flush_as_transactional_tests_do() -> None:
    """The call Django's TransactionTestCase makes after each test (no available_apps)."""
    call_command(
        "flush", verbosity=0, interactive=False, database="default",
        reset_sequences=False, allow_cascade=False, inhibit_post_migrate=False,
    )  # fmt: skip


def _rows() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    types = list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))
    perms = list(Permission.objects.order_by("pk").values_list("pk", "content_type", "codename"))
    return types, perms


def _flush_recording_post_migrate() -> list[str]:
    """Flush as transactional tests do; the apps post_migrate was sent for."""
    seen: list[str] = []

    def handler(sender: Any, **kwargs: Any) -> None:
        seen.append(sender.label)

    post_migrate.connect(handler, weak=False, dispatch_uid="test_database_probe")
    try:
        _flush_as_transactional_tests_do()
    finally:
        post_migrate.disconnect(dispatch_uid="test_database_probe")
    return seen


def test_the_flush_empties_the_data_and_keeps_the_migrated_rows_without_the_signal() -> None:
    TenantFactory.create(slug="acme")
    before = _rows()
    seen = _flush_recording_post_migrate()

    assert not Tenant.objects.exists()
    assert _rows() == before and before[0] and before[1]
    assert seen == []  # nothing to write back: the rows are there, with their ids


def test_changed_migrated_rows_are_emptied_and_written_back_by_the_signal() -> None:
    TenantFactory.create(slug="acme")
    types, perms = _rows()
    Permission.objects.filter(codename="view_tenant").delete()
    seen = _flush_recording_post_migrate()

    assert not Tenant.objects.exists()
    assert "tenantatlas" in seen  # Django's path: post_migrate for every app
    after_types, after_perms = _rows()
    # Written again in another order (new ids), the same content types and permissions.
    assert sorted(row[1:] for row in after_types) == sorted(row[1:] for row in types)
    assert sorted(row[2] for row in after_perms) == sorted(row[2] for row in perms)
    assert Permission.objects.filter(codename="view_tenant").exists()
