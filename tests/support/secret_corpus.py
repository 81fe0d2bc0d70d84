"""A hostile corpus of secret shapes, generated, with every secret and support id recorded.

Each case is a failure text a producer might raise or log, built from one
class of leak (tests/operations/test_secret_corpus.py runs them through the
whole path). The secrets are random (seeded), so no rule can know them; the
support ids are random GUIDs and thumbprints in the forms Graph, Intune and
Entra print them.
"""

from __future__ import annotations

import base64
import functools
import random
import string
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

SEED = 20261202
PER_CLASS = 10


@dataclass(frozen=True)
class Case:
    kind: str
    text: str
    secrets: list[str]
    ids: list[str] = field(default_factory=list)


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def word(self) -> str:  # a pseudo-word: pronounceable, in no dictionary, unique enough
        return "".join(
            self.rng.choice("bcdfgklmnprstvz") + self.rng.choice("aeiou") for _ in range(4)
        )

    def guid(self) -> str:
        h = self.chars("0123456789abcdef", 32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def secret(self, n: int = 24) -> str:
        return self.chars(string.ascii_letters + string.digits, n)


def _ids(g: _Gen) -> tuple[str, list[str]]:
    """A support-id block in one of the forms people paste, and the ids in it."""
    request, client, trace, correlation, activity = (g.guid() for _ in range(5))
    thumb = g.chars("0123456789ABCDEF", 40)
    forms = [
        (f"request-id: {request} client-request-id: {client}", [request, client]),
        (
            f'"innerError":{{"request-id":"{request}","client-request-id":"{client}"}}',
            [request, client],
        ),
        (f"Trace ID: {trace} Correlation ID: {correlation}", [trace, correlation]),
        (f"Activity ID: {activity}", [activity]),
        (f"thumbprint={thumb} request-id={request}", [thumb, request]),
    ]
    return g.rng.choice(forms)


def _passphrase(g: _Gen) -> tuple[str, list[str]]:
    words = [g.word() for _ in range(4)]
    return f"login failed: password={' '.join(words)}", words


def _url_credentials(g: _Gen) -> tuple[str, list[str]]:
    user, pw = g.word(), f"{g.word()}/{g.secret(6)}#{g.secret(4)}?{g.secret(4)}@{g.secret(5)}"
    scheme = g.rng.choice(["https", "postgres", "redis", "amqp", "ftp"])
    pieces = pw.replace("/", " ").replace("#", " ").replace("?", " ").replace("@", " ").split()
    return f"connect to {scheme}://{user}:{pw}@db.internal:5432/x refused", pieces


def _url_encoded_name(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(28)
    name = g.rng.choice(["client_secret", "password", "access_token", "api_key"])
    once = urllib.parse.quote(f"{name}={s}", safe="")
    text = g.rng.choice([once, urllib.parse.quote(once, safe="")])
    return f"POST /token failed body={text}&x=1", [s]


def _unicode_name(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(20)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "password")
    cyrillic = "p\u0430ssw\u043erd"  # Cyrillic а and о
    combining = "".join(c + "\u0332" for c in "secret")
    escaped = "client\\u005fsecret"
    name = g.rng.choice([fullwidth, cyrillic, combining])
    if g.rng.random() < 0.3:
        return f'{{"{escaped}": "{s}", "error": "invalid_client"}}', [s]
    return f"config rejected: {name}={s}", [s]


def _split_line(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(18)
    cut = g.rng.randint(4, 14)
    if g.rng.random() < 0.5:
        return f"error in config\npassword={s[:cut]}\n{s[cut:]}\nnext line", [s[:cut], s[cut:]]
    return f"error in config\npass\nword={s} rejected", [s]


def _legacy_entra(g: _Gen) -> tuple[str, list[str]]:
    s = g.chars(string.ascii_letters + string.digits + "[]@?*.-_", 32)
    return f"AADSTS7000215: Invalid client secret provided. Secret was {s} for app", [s]


def _provider(g: _Gen) -> tuple[str, list[str]]:
    up, b32 = string.ascii_uppercase + string.digits, string.ascii_uppercase + "234567"
    alnum = string.ascii_letters + string.digits
    s = g.rng.choice(
        [
            "AKIA" + g.chars(b32, 16),
            "AIza" + g.chars(alnum + "-_", 35),
            "sk_live_" + g.chars(alnum, 24),
            "ghp_" + g.chars(alnum, 36),
            f"xoxb-{g.chars(string.digits, 12)}-{g.chars(string.digits, 12)}-{g.chars(alnum, 24)}",
            "glpat-" + g.chars(alnum + "-_", 20),
            "npm_" + g.chars(string.ascii_lowercase + string.digits, 36),
        ]
    )
    del up
    return f"deploy step failed using {s} ", [s]


def _basic_pair(g: _Gen) -> tuple[str, list[str]]:
    pair = f"{g.word()}:{g.secret(8)}"
    encoded = base64.b64encode(pair.encode()).decode()
    return f"upstream rejected credentials {encoded} for proxy", [encoded.rstrip("=")]


def _pem_body(g: _Gen) -> tuple[str, list[str]]:
    line = "MII" + g.chars(string.ascii_letters + string.digits + "+/", 61)
    return f"could not parse key material:\n{line}\nend of input", [line[:20], line[20:40]]


def _bearer(g: _Gen) -> tuple[str, list[str]]:
    body = base64.urlsafe_b64encode(f'{{"sub":"{g.word()}"}}'.encode()).decode().rstrip("=")
    jwt = f"eyJhbGciOiJSUzI1NiJ9.{body}.{g.secret(43)}"
    return f"GET /v1.0/me failed: Authorization: Bearer {jwt}", [body, jwt.split(".")[2]]


def _entra_q(g: _Gen) -> tuple[str, list[str]]:
    s = (
        g.secret(3)
        + str(g.rng.randint(0, 9))
        + "Q~"
        + g.chars(string.ascii_letters + string.digits + "._~-", 34)
    )
    return f"ClientSecretCredential(secret='{s}') failed", [s]


def _json_pair(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(16)
    name = g.rng.choice(["password", "preSharedKey", "sharedSecret", "productKey", "clientSecret"])
    return f'Graph PATCH body {{"{name}": "{s}", "ssid": "Corp"}} rejected', [s]


def _header(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(30)
    name = g.rng.choice(["X-Api-Key", "Ocp-Apim-Subscription-Key", "Cookie", "Authorization"])
    return f"HTTP/1.1 401\n{name}: {s}\nDate: Tue, 01 Dec 2026", [s]


def _query(g: _Gen) -> tuple[str, list[str]]:
    s = g.secret(22)
    name = g.rng.choice(["sig", "code", "access_token", "client_secret", "key"])
    return f"GET https://x.blob.core.windows.net/c?sv=2022&{name}={s}&se=2026 returned 403", [s]


def _hex_key(g: _Gen) -> tuple[str, list[str]]:
    s = g.chars("0123456789abcdef", 64)
    return f"decryption failed with key {s} on item", [s]


def _high_entropy(g: _Gen) -> tuple[str, list[str]]:
    s = g.chars(string.ascii_letters + string.digits + "+/", g.rng.randint(24, 38))
    return f"unexpected token {s} in response", [s]


CLASSES: dict[str, Callable[[_Gen], tuple[str, list[str]]]] = {
    "passphrase-with-spaces": _passphrase,
    "url-credentials-unencoded": _url_credentials,
    "url-encoded-name": _url_encoded_name,
    "unicode-disguised-name": _unicode_name,
    "split-across-lines": _split_line,
    "legacy-entra-32": _legacy_entra,
    "provider-prefixed": _provider,
    "base64-user-pass": _basic_pair,
    "pem-body-without-begin": _pem_body,
    "bearer-jwt": _bearer,
    "entra-q-secret": _entra_q,
    "json-pair": _json_pair,
    "header": _header,
    "query-string": _query,
    "hex-key": _hex_key,
    "unnamed-high-entropy": _high_entropy,
}


def cases() -> Iterator[Case]:
    g = _Gen(random.Random(SEED))
    for kind, make in CLASSES.items():
        for _ in range(PER_CLASS):
            text, secrets = make(g)
            block, ids = _ids(g)
            # Ids before, after or in the middle: wherever a library puts them.
            where = g.rng.choice(["before", "after"])
            full = f"{block} {text}" if where == "before" else f"{text} {block}"
            yield Case(kind, full, [s for s in secrets if len(s) >= 6], ids)


@functools.cache
def corpus() -> tuple[Case, ...]:
    """The corpus, generated once per process (a forking worker warms it before its horses)."""
    return tuple(cases())


def case_at(index: int) -> Case:
    return corpus()[index]
