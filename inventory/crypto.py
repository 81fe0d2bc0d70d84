"""Encryption at rest for tenant credentials (the Graph client secret, a certificate's key).

Fernet (AES-128-CBC + HMAC-SHA256) with ``settings.CREDENTIALS_KEY``. The key
may be a comma-separated list: the first key encrypts, every key decrypts, so
a key can be rotated without losing stored secrets. With no key and DEBUG on,
a key derived from SECRET_KEY keeps the demo set-up free; with neither,
storing or reading a secret fails with a message saying what to set.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnavailable(Exception):
    """No usable key, or a stored secret that the configured keys cannot read."""


def generate_key() -> str:
    """A fresh key for CREDENTIALS_KEY."""
    return Fernet.generate_key().decode()


def _debug_key() -> bytes:
    # Domain-separated from SECRET_KEY's other uses (sessions, signing).
    digest = hashlib.sha256(f"tenantatlas.credentials:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest)


def _keys() -> list[bytes]:
    configured = [k.strip() for k in (settings.CREDENTIALS_KEY or "").split(",") if k.strip()]
    if configured:
        return [k.encode() for k in configured]
    if settings.DEBUG:
        return [_debug_key()]
    raise CredentialsUnavailable(
        "No encryption key for credentials: set CREDENTIALS_KEY in the environment "
        "(generate one with: python -c 'from cryptography.fernet import Fernet; "
        "print(Fernet.generate_key().decode())')."
    )


def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in _keys()])
    except ValueError:
        # Fernet's own message would echo nothing secret, but says little.
        raise CredentialsUnavailable(
            "CREDENTIALS_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."
        ) from None


def encrypt_secret(plain: str) -> str:
    if not plain:
        raise ValueError("an empty secret cannot be stored")
    return _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(token: str) -> str:
    return _decrypt(
        token,
        "The stored client secret cannot be decrypted with the configured CREDENTIALS_KEY "
        "(was the key changed?); enter the secret again on the connection page.",
    )


def decrypt_certificate(token: str) -> str:
    """The stored PEM bundle (private key + certificate) of a certificate credential."""
    return _decrypt(
        token,
        "The stored certificate cannot be decrypted with the configured CREDENTIALS_KEY "
        "(was the key changed?); upload the certificate and its key again on the "
        "connection page.",
    )


def _decrypt(token: str, unreadable: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise CredentialsUnavailable(unreadable) from None
