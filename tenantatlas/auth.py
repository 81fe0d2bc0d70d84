"""Sign-in backend: Django's, loading the person's preferences with the user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User


class PreferencesBackend(ModelBackend):
    """``request.user`` comes with ``user.preferences`` (one JOIN, no query per page).

    Every page shows times in the person's zone; reading it lazily would add a
    query to each of them, the hub's included (its query count is guarded).
    """

    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.select_related("preferences").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
