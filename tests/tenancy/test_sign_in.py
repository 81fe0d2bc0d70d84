"""Sign-in throttling (django-axes, per username + address), password rules, password reset."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from pytest_django import Settings

    from tests.support.responses import TestResponse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def person(owner: User) -> User:
    owner.set_password(PASSWORD)
    owner.save()
    return owner


def sign_in(address: str, username: str, password: str) -> tuple[Client, TestResponse]:
    client = Client(REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def fail_five_times(address: str, username: str) -> list[int]:
    return [sign_in(address, username, "wrong-password")[1].status_code for _ in range(5)]


def test_five_failures_lock_that_username_from_that_address(person: User) -> None:
    statuses = fail_five_times("203.0.113.7", "owner")
    client, response = sign_in("203.0.113.7", "owner", PASSWORD)

    assert statuses == [200, 200, 200, 200, 429]
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_nobody_can_lock_a_person_out_from_elsewhere(person: User) -> None:
    fail_five_times("203.0.113.7", "owner")

    client, response = sign_in("198.51.100.20", "owner", PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_a_locked_address_does_not_lock_other_people(person: User, reader: User) -> None:
    reader.set_password(PASSWORD)
    reader.save()
    fail_five_times("203.0.113.7", "owner")

    _, response = sign_in("203.0.113.7", "reader", PASSWORD)

    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off(person: User, settings: Settings) -> None:
    fail_five_times("203.0.113.7", "owner")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME)

    _, response = sign_in("203.0.113.7", "owner", PASSWORD)

    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert response.status_code == 302


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(
    person: User, settings: Settings
) -> None:
    settings.BEHIND_PROXY = True
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.20, 203.0.113.7"}
    for _ in range(5):
        Client(
            REMOTE_ADDR=spoofed["REMOTE_ADDR"], HTTP_X_FORWARDED_FOR=spoofed["HTTP_X_FORWARDED_FOR"]
        ).post("/accounts/login/", {"username": "owner", "password": "nope"})

    # The attacker claimed to be 198.51.100.20; the lock is on the address the proxy saw.
    real_person = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    response = real_person.post("/accounts/login/", {"username": "owner", "password": PASSWORD})

    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    assert response.status_code == 302


@pytest.mark.parametrize(
    "weak", ["short-pw-1c", "password1234", "314159265358979", "qwertyuiop123"], ids=str
)
def test_weak_passwords_are_refused(weak: str) -> None:
    with pytest.raises(ValidationError):
        validate_password(weak)


def test_a_long_uncommon_password_is_accepted() -> None:
    validate_password("atlas-demo-2026")


def test_changing_to_a_common_password_is_refused_on_the_page(person: User) -> None:
    client, _ = sign_in("203.0.113.7", "owner", PASSWORD)

    response = client.post(
        "/accounts/password_change/",
        {
            "old_password": PASSWORD,
            "new_password1": "password1234",
            "new_password2": "password1234",
        },
    )

    person.refresh_from_db()
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert person.check_password(PASSWORD)


def test_password_reset_does_not_exist_without_email(
    client: Client, person: User, settings: Settings
) -> None:
    settings.PASSWORD_RESET_ENABLED = False

    for url in (
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
    ):
        assert client.get(url).status_code == 404
    assert client.post("/accounts/password_reset/", {"email": person.email}).status_code == 404
    assert mail.outbox == []


def test_password_reset_mails_a_link_when_email_is_configured(
    client: Client, person: User, settings: Settings
) -> None:
    settings.PASSWORD_RESET_ENABLED = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

    response = client.post("/accounts/password_reset/", {"email": person.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [person.email]
    assert "/accounts/reset/" in mail.outbox[0].body
