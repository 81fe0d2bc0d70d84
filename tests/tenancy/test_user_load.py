"""The signed-in person is loaded by written SQL exactly as the ORM would load them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tenantatlas.auth import PreferencesBackend, load_user
from tenantatlas.models import Preferences
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(user: User) -> dict[str, object]:
    return {f.attname: getattr(user, f.attname) for f in User._meta.concrete_fields}


def test_a_user_with_preferences_comes_with_them() -> None:
    person = UserFactory.create(username="zoned", email="z@example.com")
    Preferences.objects.create(user=person, time_zone="Europe/Zurich")
    orm = User.objects.select_related("preferences").get(pk=person.pk)

    loaded = load_user(person.pk)

    assert loaded is not None and _fields(loaded) == _fields(orm)
    assert loaded.preferences.time_zone == "Europe/Zurich"
    assert loaded.preferences.updated_at == orm.preferences.updated_at
    assert loaded.preferences.user is loaded


def test_a_user_without_preferences_has_none_cached() -> None:
    person = UserFactory.create(username="plain")

    loaded = load_user(person.pk)

    assert loaded is not None and _fields(loaded) == _fields(User.objects.get(pk=person.pk))
    # As select_related leaves it: no row, no second query to find that out.
    assert loaded._state.fields_cache["preferences"] is None
    assert not hasattr(loaded, "preferences")


def test_no_user_and_an_inactive_user_are_nobody() -> None:
    inactive = UserFactory.create(username="gone", is_active=False)

    assert load_user(10**9) is None
    assert load_user(inactive.pk) is not None
    assert PreferencesBackend().get_user(inactive.pk) is None
    assert PreferencesBackend().get_user(10**9) is None
