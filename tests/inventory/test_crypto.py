"""Encryption at rest of the Graph client secret."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from pytest_django.fixtures import Settings

from inventory.crypto import CredentialsUnavailable, decrypt_secret, encrypt_secret, generate_key

SECRET = "Zt5~abcDEF.ghiJKL_mnoPQR-stuVWX12"


def test_a_secret_round_trips_and_the_ciphertext_does_not_contain_it(settings: Settings) -> None:
    settings.CREDENTIALS_KEY = generate_key()

    first, second = encrypt_secret(SECRET), encrypt_secret(SECRET)

    assert SECRET not in first
    assert first != second  # a fresh IV each time: equal secrets are not recognisable
    assert decrypt_secret(first) == decrypt_secret(second) == SECRET


def test_debug_without_a_key_derives_one_from_the_secret_key(settings: Settings) -> None:
    settings.CREDENTIALS_KEY = ""
    settings.DEBUG = True

    token = encrypt_secret(SECRET)

    assert decrypt_secret(token) == SECRET
    settings.SECRET_KEY = "another-secret-key"
    with pytest.raises(CredentialsUnavailable, match="cannot be decrypted"):
        decrypt_secret(token)


def test_without_a_key_and_without_debug_storing_a_secret_fails_clearly(
    settings: Settings,
) -> None:
    settings.CREDENTIALS_KEY = ""
    settings.DEBUG = False

    with pytest.raises(CredentialsUnavailable, match="set CREDENTIALS_KEY in the environment"):
        encrypt_secret(SECRET)


def test_a_malformed_key_fails_clearly(settings: Settings) -> None:
    settings.CREDENTIALS_KEY = "not-a-fernet-key"

    with pytest.raises(CredentialsUnavailable, match="not a valid Fernet key"):
        encrypt_secret(SECRET)


def test_a_secret_stored_under_another_key_cannot_be_read(settings: Settings) -> None:
    settings.CREDENTIALS_KEY = generate_key()
    token = encrypt_secret(SECRET)
    settings.CREDENTIALS_KEY = generate_key()

    with pytest.raises(CredentialsUnavailable, match="enter the secret again") as caught:
        decrypt_secret(token)
    assert SECRET not in str(caught.value)


def test_keys_rotate_new_first_old_still_readable(settings: Settings) -> None:
    old, new = generate_key(), generate_key()
    settings.CREDENTIALS_KEY = old
    stored = encrypt_secret(SECRET)

    settings.CREDENTIALS_KEY = f"{new}, {old}"

    assert decrypt_secret(stored) == SECRET
    assert Fernet(new.encode()).decrypt(encrypt_secret(SECRET).encode()).decode() == SECRET


def test_an_empty_secret_is_refused(settings: Settings) -> None:
    settings.CREDENTIALS_KEY = generate_key()

    with pytest.raises(ValueError, match="empty"):
        encrypt_secret("")
