"""Sign-in backend: Django's, loading the person's preferences with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser


class PreferencesBackend(ModelBackend):
    """``request.user`` comes with ``user.preferences`` (one JOIN, no query per page).

    Every page shows times in the person's zone; reading it lazily would add a
    query to each of them, the hub's included (its query count is guarded).
    """

    def get_user(self, user_id: Any) -> AbstractBaseUser | None:
        users = get_user_model()._default_manager.select_related("preferences")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
