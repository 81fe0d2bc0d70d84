"""Sign-in backend: Django's, loading the person's preferences with the user."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.db import connection

from tenantatlas.models import Preferences
from tenantatlas.rows import attnames, loaded, select_list


class PreferencesBackend(ModelBackend):
    """``request.user`` comes with ``user.preferences`` (one JOIN, no query per page).

    Every page shows times in the person's zone; reading it lazily would add a
    query to each of them, the hub's included (its query count is guarded).
    """

    def get_user(self, user_id: Any) -> User | None:
        user = load_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


def load_user(user_id: Any) -> User | None:
    """The user and their preferences, as ``select_related("preferences")`` loads them.

    Every signed-in request runs it, so its SQL is written once (``_user_sql``):
    building it through the ORM cost ~1 ms of CPU, several times running it.
    A person without a preferences row gets ``None`` cached, as the ORM does
    (``user.preferences`` raises ``RelatedObjectDoesNotExist``).
    """
    with connection.cursor() as cursor:
        # Django's auth has already read the id through the primary key's to_python.
        cursor.execute(_user_sql(), [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(attnames(User))
    user = loaded(User, row[:split])
    preference_row = row[split:]
    preferences = None
    if preference_row[0] is not None:  # the primary key: a row was joined
        preferences = loaded(Preferences, preference_row)
    link = Preferences._meta.get_field("user")
    link.remote_field.set_cached_value(user, preferences)
    if preferences is not None:
        link.set_cached_value(preferences, user)
    return user


@cache
def _user_sql() -> str:
    quote = connection.ops.quote_name
    users, preferences = quote(User._meta.db_table), quote(Preferences._meta.db_table)
    columns = select_list(User) + select_list(Preferences)
    link = quote(Preferences._meta.get_field("user").column)
    # Only the models' table and column names are formatted in; the id is a parameter.
    return (
        f"SELECT {', '.join(columns)} FROM {users}"  # noqa: S608
        f" LEFT OUTER JOIN {preferences} ON {preferences}.{link} = {users}.{quote('id')}"
        f" WHERE {users}.{quote('id')} = %s"
    )
