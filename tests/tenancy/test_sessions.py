"""Sessions are read by written SQL (tenantatlas.sessions) with Django's meaning."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from tenantatlas.models import Tenant
from tenantatlas.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _hub(tenant: Tenant) -> str:
    return f"/t/{tenant.slug}/monitoring/operations/"


def test_the_engine_is_ours_and_a_live_session_signs_in(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    assert settings.SESSION_ENGINE == "tenantatlas.sessions"
    client = login(reader)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    assert client.get(_hub(tenant)).status_code == 200
    assert SessionStore(key).load()["_auth_user_id"] == str(reader.pk)


def test_an_expired_or_unknown_session_is_nobody(
    login: Callable[[User], Client], reader: User, tenant: Tenant
) -> None:
    client = login(reader)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))

    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert client.get(_hub(tenant)).status_code == 302  # to sign-in
    assert SessionStore("no-such-key-000000000000000000000").load() == {}
